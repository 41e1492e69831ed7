using System.ComponentModel.DataAnnotations;

namespace HtmxChat.Web.Models;

public sealed class LoginForm
{
    [Required(ErrorMessage = "Enter your username.")]
    public string? Username { get; set; }

    [Required(ErrorMessage = "Enter your password."), DataType(DataType.Password)]
    public string? Password { get; set; }

    public string? ReturnUrl { get; set; }
}

/// <summary>Field rules live in <see cref="Accounts.AccountService"/>, shared with the API.</summary>
public sealed class RegisterForm
{
    public string? Username { get; set; }

    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string? Email { get; set; }

    [DataType(DataType.Password)]
    public string? Password { get; set; }

    public string? Gender { get; set; }

    [Display(Name = "Time zone")]
    public string? TimeZone { get; set; }
}

public sealed class ProfileForm
{
    public string? Email { get; set; }

    public string? Gender { get; set; }

    public string? TimeZone { get; set; }
}

public sealed class PasswordForm
{
    [DataType(DataType.Password)]
    public string? CurrentPassword { get; set; }

    [DataType(DataType.Password)]
    public string? NewPassword { get; set; }
}

/// <summary>The profile page: both its forms, and what was just saved.</summary>
public sealed record ProfilePage(ProfileForm Profile, PasswordForm Password, string? Saved);

public sealed record AdminUsersPage(string? Search, IReadOnlyList<Domain.ChatUser> Users, string CurrentUserId, DateTimeOffset Now, string? Refused);
