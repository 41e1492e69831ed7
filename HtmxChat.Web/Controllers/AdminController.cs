using HtmxChat.Web.Accounts;
using HtmxChat.Web.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary>The admin pages over <see cref="Administration"/>; anyone else gets 403.</summary>
[Authorize(Roles = Roles.Admin), Route("admin")]
public sealed class AdminController(Administration admin, TimeProvider clock) : Controller
{
    [HttpGet("users")]
    public async Task<IActionResult> Users(string? search, CancellationToken ct) => await ListAsync(search, null, ct);

    [HttpPost("users/{userId}/lock")]
    public Task<IActionResult> Lock(string userId, string? search, CancellationToken ct) => AnswerAsync(admin.LockAsync(User.UserId(), userId), search, ct);

    [HttpPost("users/{userId}/unlock")]
    public Task<IActionResult> Unlock(string userId, string? search, CancellationToken ct) => AnswerAsync(admin.UnlockAsync(User.UserId(), userId), search, ct);

    [HttpPost("users/{userId}/admin")]
    public Task<IActionResult> MakeAdmin(string userId, string? search, CancellationToken ct) => AnswerAsync(admin.SetAdminAsync(User.UserId(), userId, true), search, ct);

    [HttpPost("users/{userId}/admin/remove")]
    public Task<IActionResult> RemoveAdmin(string userId, string? search, CancellationToken ct) => AnswerAsync(admin.SetAdminAsync(User.UserId(), userId, false), search, ct);

    private async Task<IActionResult> AnswerAsync(Task<AdminResult> action, string? search, CancellationToken ct)
    {
        switch (await action)
        {
            case AdminResult.Done:
                return RedirectToAction(nameof(Users), new { search });
            case AdminResult.Refused refused:
                Response.StatusCode = StatusCodes.Status409Conflict;
                return await ListAsync(search, refused.Detail, ct);
            default:
                return NotFound();
        }
    }

    private async Task<IActionResult> ListAsync(string? search, string? refused, CancellationToken ct) =>
        View(nameof(Users), new AdminUsersPage(search, await admin.ListAsync(search, ct), User.UserId(), clock.GetUtcNow(), refused));
}
