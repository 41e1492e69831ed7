namespace HtmxChat.Web.Models;

/// <summary>One labelled form field with its hint and its errors beside it (Views/Shared/_Field.cshtml).</summary>
public sealed record FieldModel(string Name, string Label, string? Value = null, string Type = "text")
{
    public bool Optional { get; init; }
    public bool Autofocus { get; init; }
    public string? Autocomplete { get; init; }
    public string? Hint { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
    public string EmptyOption { get; init; } = "";
}
