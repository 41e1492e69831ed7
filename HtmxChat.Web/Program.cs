using HtmxChat.Web.Accounts;
using HtmxChat.Web.Api;
using HtmxChat.Web.Attachments;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Scaling;
using HtmxChat.Web.Storage;
using HtmxChat.Web.Ui;
using Htmx.TagHelpers;

var builder = WebApplication.CreateBuilder(args);

builder.AddStorage();
builder.AddScaling();
builder.AddAccounts();
builder.AddChats();
builder.AddAttachments();
builder.AddApi();
builder.AddWebUi();
builder.AddTelemetry();

var app = builder.Build();

app.UseForwardedHeaders();
app.UseAttachmentUploads();
app.UseApi();
app.UseWebUi();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHtmxAntiforgeryScript();
app.MapHealth();
app.MapTelemetry();
app.MapControllers();
app.MapBrowserStream();
app.MapApi();

app.Run();

public partial class Program;
