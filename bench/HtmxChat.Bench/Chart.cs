using SkiaSharp;

namespace HtmxChat.Bench;

/// <summary>
/// The fan-out results as a PNG: p99 latency and memory per idle stream against the number of streams, HtmxChat
/// beside SignalR and bare Kestrel streams (the floor: the same bytes written to each, nothing else), each panel with its
/// target as a dashed line.
/// </summary>
public static class Chart
{
    private static readonly SKColor Ours = new(0x0d, 0x6e, 0xfd);
    private static readonly SKColor Theirs = new(0xd6, 0x33, 0x84);
    private static readonly SKColor Bare = new(0x19, 0x87, 0x54);
    private static readonly SKColor SignedInBare = new(0xfd, 0x7e, 0x14);
    private static readonly SKColor EndpointCheckedBare = new(0x6f, 0x42, 0xc1);

    public static void Write(IReadOnlyList<Result> results, string path)
    {
        var fanout = results.Where(r => r.Scenario == "fanout").ToList();
        if (fanout.Count == 0)
        {
            return;
        }
        using var surface = SKSurface.Create(new SKImageInfo(1200, 550));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = LoadTypeface();
        // The p99 targets are for 10,000 and 19,000 streams; the memory target is for any number.
        Panel(canvas, typeface, new SKRect(60, 50, 560, 420), fanout, "p99Ms", "publish → receive p99 (ms)", [(10000, 100), (19000, 250)]);
        Panel(canvas, typeface, new SKRect(660, 50, 1160, 420), fanout, "serverKBPerIdleStream", "server memory per idle stream (KB)", [(0, 12)]);
        using var font = new SKFont(typeface, 15);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        Legend(canvas, font, 60, 470, Ours, "HtmxChat");
        Legend(canvas, font, 200, 470, Theirs, "SignalR hub");
        Legend(canvas, font, 350, 470, Bare, "bare Kestrel streams");
        Legend(canvas, font, 580, 470, SignedInBare, "the same behind ASP.NET Core's JWT check");
        Legend(canvas, font, 60, 500, EndpointCheckedBare, "the same, the JWT checked by the endpoint");
        Legend(canvas, font, 460, 500, SKColors.Gray, "target (p99: 100 ms at 10k streams, 250 ms at 19k; memory: 12 KB)", dashed: true);
        canvas.DrawText($"bench/HtmxChat.Bench, {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, client and server on the same machine; peers in bench/SignalRPeer", 60, 530, font, ink);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static SKTypeface LoadTypeface() =>
        File.Exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") ? SKTypeface.FromFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") : SKTypeface.Default;

    /// <param name="targets">A target at a number of streams (a dash there), or at 0 for every number (a line across).</param>
    private static void Panel(SKCanvas canvas, SKTypeface typeface, SKRect area, List<Result> results, string key, string title, (int Streams, double Value)[] targets)
    {
        using var font = new SKFont(typeface, 14);
        using var titleFont = new SKFont(typeface, 17);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xdd, 0xdd, 0xdd), StrokeWidth = 1 };
        canvas.DrawText(title, area.Left, area.Top - 18, titleFont, ink);
        var streams = results.Select(r => (int)r.Values["streams"]).Distinct().Order().ToArray();
        var top = Math.Max(targets.Max(t => t.Value) * 1.2, results.Max(r => Convert.ToDouble(r.Values[key])) * 1.1);
        float X(int n) => area.Left + (streams.Length == 1 ? area.Width / 2 : area.Width * Array.IndexOf(streams, n) / (streams.Length - 1));
        float Y(double v) => area.Bottom - (float)(v / top) * area.Height;
        for (var i = 0; i <= 4; i++)
        {
            var value = top * i / 4;
            canvas.DrawLine(area.Left, Y(value), area.Right, Y(value), grid);
            canvas.DrawText($"{value:0}", area.Left - 8, Y(value) + 5, SKTextAlign.Right, font, ink);
        }
        foreach (var n in streams)
        {
            canvas.DrawText($"{n:N0}", X(n), area.Bottom + 20, SKTextAlign.Center, font, ink);
        }
        canvas.DrawText("streams", area.MidX, area.Bottom + 40, SKTextAlign.Center, font, ink);
        using (var dashed = new SKPaint { Color = SKColors.Gray, StrokeWidth = 2, IsAntialias = true, PathEffect = SKPathEffect.CreateDash([8, 6], 0) })
        {
            foreach (var (at, value) in targets)
            {
                var (from, to) = at == 0 || !streams.Contains(at) ? (area.Left, area.Right) : (X(at) - 40, X(at) + 40);
                canvas.DrawLine(from, Y(value), to, Y(value), dashed);
            }
        }
        foreach (var (server, color) in new[]
            {
                (Subjects.Name(ServerKind.HtmxChat), Ours), (Subjects.Name(ServerKind.SignalR), Theirs), (Subjects.Name(ServerKind.BareStreams), Bare),
                (Subjects.Name(ServerKind.SignedInBareStreams), SignedInBare), (Subjects.Name(ServerKind.EndpointCheckedBareStreams), EndpointCheckedBare),
            })
        {
            var points = results.Where(r => r.Server == server).OrderBy(r => (int)r.Values["streams"])
                .Select(r => new SKPoint(X((int)r.Values["streams"]), Y(Convert.ToDouble(r.Values[key])))).ToArray();
            using var line = new SKPaint { Color = color, StrokeWidth = 3, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var dot = new SKPaint { Color = color, IsAntialias = true };
            for (var i = 1; i < points.Length; i++)
            {
                canvas.DrawLine(points[i - 1], points[i], line);
            }
            foreach (var point in points)
            {
                canvas.DrawCircle(point, 5, dot);
            }
        }
    }

    private static void Legend(SKCanvas canvas, SKFont font, float x, float y, SKColor color, string label, bool dashed = false)
    {
        using var line = new SKPaint { Color = color, StrokeWidth = 3, IsAntialias = true, PathEffect = dashed ? SKPathEffect.CreateDash([8, 6], 0) : null };
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawLine(x, y, x + 30, y, line);
        canvas.DrawText(label, x + 38, y + 5, font, ink);
    }
}
