using System.Net.Mail;
using System.Security.Claims;
using System.Text.RegularExpressions;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Accounts;

public sealed record RegisterInput(string? Username, string? Email, string? Password, string? Gender, string? TimeZone);

/// <summary>Errors are keyed by the input's field names (<c>Username</c>, <c>Email</c>, ...).</summary>
public sealed record AccountResult(ChatUser? User, IReadOnlyDictionary<string, string[]> Errors, bool IsConflict)
{
    public bool Succeeded => User is not null;

    public static AccountResult Invalid(string field, string error, bool conflict = false) =>
        new(null, new Dictionary<string, string[]> { [field] = [error] }, conflict);
}

/// <summary>Creating accounts and checking credentials: the rules the browser pages and the API share.</summary>
public sealed partial class AccountService(UserManager<ChatUser> userManager, SignInManager<ChatUser> signInManager, IChatEventBus events)
{
    public const int MaxGenderLength = 32;
    public const int MaxEmailLength = 254;
    public const int MaxPasswordLength = 256;

    public static readonly IReadOnlyList<string> SuggestedGenders = ["female", "male", "non-binary", "other"];

    [GeneratedRegex("^[A-Za-z0-9._-]{3,32}$")]
    public static partial Regex UserNamePattern();

    public async Task<AccountResult> RegisterAsync(RegisterInput input, CancellationToken ct = default)
    {
        var errors = Validate(input);
        if (errors.Count > 0)
        {
            return new AccountResult(null, errors, false);
        }

        var user = new ChatUser
        {
            UserName = input.Username!,
            Email = input.Email!.Trim(),
            Gender = string.IsNullOrWhiteSpace(input.Gender) ? null : input.Gender.Trim(),
            TimeZone = string.IsNullOrWhiteSpace(input.TimeZone) ? TimeZones.Default : input.TimeZone,
        };
        var result = await userManager.CreateAsync(user, input.Password!);
        if (result.Succeeded)
        {
            return new AccountResult(user, new Dictionary<string, string[]>(), false);
        }
        var duplicate = result.Errors.FirstOrDefault(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail));
        if (duplicate is not null)
        {
            return duplicate.Code == nameof(IdentityErrorDescriber.DuplicateEmail)
                ? AccountResult.Invalid(nameof(RegisterInput.Email), "That email is already registered.", conflict: true)
                : AccountResult.Invalid(nameof(RegisterInput.Username), "That username is taken.", conflict: true);
        }
        return new AccountResult(null, result.Errors
            .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? nameof(RegisterInput.Password) : nameof(RegisterInput.Username))
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()), false);
    }

    /// <summary>
    /// Checks a username and password, counting a failure toward lockout. An unknown user, a wrong password and a
    /// locked-out account all answer null, so callers cannot tell them apart.
    /// </summary>
    public async Task<ChatUser?> CheckCredentialsAsync(string username, string password)
    {
        var user = await userManager.FindByNameAsync(username);
        if (user is null)
        {
            // Hash anyway, so an unknown username takes as long as a wrong password.
            _dummyHash ??= userManager.PasswordHasher.HashPassword(DummyUser, Guid.NewGuid().ToString());
            userManager.PasswordHasher.VerifyHashedPassword(DummyUser, _dummyHash, password);
            return null;
        }
        var result = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return result.Succeeded ? user : null;
    }

    public async Task<bool> SignInAsync(string username, string password)
    {
        var user = await CheckCredentialsAsync(username, password);
        if (user is null)
        {
            return false;
        }
        await signInManager.SignInWithClaimsAsync(user, isPersistent: false,
            [new Claim(ClaimsPrincipalExtensions.SessionIdClaim, Guid.NewGuid().ToString("N"))]);
        return true;
    }

    public Task SignOutAsync() => signInManager.SignOutAsync();

    /// <summary>
    /// An administrator's lock: no sign-in until <paramref name="until"/>, and every existing session, token, stream and
    /// socket of the account ends now, on every instance.
    /// </summary>
    public async Task<IdentityResult> LockAsync(ChatUser user, DateTimeOffset until)
    {
        var locked = await userManager.SetLockoutEndDateAsync(user, until);
        var result = locked.Succeeded ? await userManager.UpdateSecurityStampAsync(user) : locked;
        if (result.Succeeded)
        {
            events.EndUser(user.Id);
        }
        return result;
    }

    private static readonly ChatUser DummyUser = new();
    private static string? _dummyHash;

    private static Dictionary<string, string[]> Validate(RegisterInput input)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string error) => errors[field] = [error];

        if (string.IsNullOrEmpty(input.Username))
        {
            Add(nameof(input.Username), "Enter a username.");
        }
        else if (!UserNamePattern().IsMatch(input.Username))
        {
            Add(nameof(input.Username), "Use 3 to 32 letters, digits, '.', '_' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(input.Email))
        {
            Add(nameof(input.Email), "Enter an email address.");
        }
        else if (input.Email.Length > MaxEmailLength || !IsEmail(input.Email.Trim()))
        {
            Add(nameof(input.Email), "Enter a valid email address.");
        }

        if (string.IsNullOrEmpty(input.Password))
        {
            Add(nameof(input.Password), "Enter a password.");
        }
        else if (input.Password.Length > MaxPasswordLength)
        {
            Add(nameof(input.Password), $"Use at most {MaxPasswordLength} characters.");
        }

        if (input.Gender is { Length: > MaxGenderLength })
        {
            Add(nameof(input.Gender), $"Use at most {MaxGenderLength} characters.");
        }

        if (!string.IsNullOrWhiteSpace(input.TimeZone) && !TimeZones.IsKnown(input.TimeZone))
        {
            Add(nameof(input.TimeZone), "Choose a time zone from the list (an IANA id such as Europe/Paris).");
        }
        return errors;
    }

    private static bool IsEmail(string value) =>
        MailAddress.TryCreate(value, out var address) && address.Address == value && value.Contains('@', StringComparison.Ordinal);
}
