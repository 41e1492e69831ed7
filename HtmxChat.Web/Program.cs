using HtmxChat.Web.Accounts;
using HtmxChat.Web.Api;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Live;
using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Storage;
using Htmx.TagHelpers;

var builder = WebApplication.CreateBuilder(args);

builder.AddStorage();
builder.AddAccounts();
builder.AddChats();
builder.AddApi();
builder.AddWebUi();

var app = builder.Build();

app.UseWebUi();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHtmxAntiforgeryScript();
app.MapHealthChecks("/health");
app.MapControllers();
app.MapBrowserStream();
app.MapApi();

app.Run();

public partial class Program;
