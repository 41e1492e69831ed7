using System.Net.Mail;
using System.Security.Claims;
using System.Text.RegularExpressions;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Accounts;

public sealed record RegisterInput(string? Username, string? Email, string? Password, string? Gender, string? TimeZone);

/// <summary>What a person may change of their own account; a null field is left as it is.</summary>
public sealed record ProfileInput(string? Email, string? TimeZone, string? Gender);

/// <summary>Errors are keyed by the input's field names (<c>Username</c>, <c>Email</c>, ...).</summary>
public sealed record AccountResult(ChatUser? User, IReadOnlyDictionary<string, string[]> Errors, bool IsConflict)
{
    public bool Succeeded => User is not null;

    public static AccountResult Invalid(string field, string error, bool conflict = false) =>
        new(null, new Dictionary<string, string[]> { [field] = [error] }, conflict);
}

/// <summary>Creating accounts and checking credentials: the rules the browser pages and the API share.</summary>
public sealed partial class AccountService(
    UserManager<ChatUser> userManager, SignInManager<ChatUser> signInManager, IChatEventBus events, IOptions<AdminOptions> seededAdmin)
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
    /// Email, time zone and gender. Every session and token of the account reads the new time zone from its next request
    /// (<see cref="SessionCheck"/>).
    /// </summary>
    public async Task<AccountResult> UpdateProfileAsync(ChatUser user, ProfileInput input)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.Email is not null)
        {
            ValidateEmail(input.Email, errors);
        }
        if (input.TimeZone is not null)
        {
            ValidateTimeZone(input.TimeZone, errors);
        }
        if (input.Gender is not null)
        {
            ValidateGender(input.Gender, errors);
        }
        if (errors.Count > 0)
        {
            return new AccountResult(null, errors, false);
        }
        if (input.Email is { } email && !string.Equals(email.Trim(), user.Email, StringComparison.Ordinal))
        {
            // SetEmailAsync would also rotate the security stamp and sign every session out; an email is not a credential here.
            user.Email = email.Trim();
            user.NormalizedEmail = userManager.NormalizeEmail(user.Email);
        }
        if (input.TimeZone is { } zone)
        {
            user.TimeZone = zone.Length == 0 ? TimeZones.Default : zone;
        }
        if (input.Gender is { } gender)
        {
            user.Gender = string.IsNullOrWhiteSpace(gender) ? null : gender.Trim();
        }
        var result = await userManager.UpdateAsync(user);
        if (result.Succeeded)
        {
            return new AccountResult(user, new Dictionary<string, string[]>(), false);
        }
        return result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateEmail))
            ? AccountResult.Invalid(nameof(ProfileInput.Email), "That email is already registered.", conflict: true)
            : AccountResult.Invalid(nameof(ProfileInput.Email), string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>
    /// Needs the current password. Every session, token, stream and socket of the account ends, on every instance, except
    /// the session <paramref name="keptSessionId"/> that asked (<see cref="SessionCheck"/>); its streams reconnect.
    /// </summary>
    public async Task<AccountResult> ChangePasswordAsync(ChatUser user, string? currentPassword, string? newPassword, string? keptSessionId)
    {
        // Wrong guesses count toward lockout as at login, so a stolen session cannot try passwords until one fits.
        if (string.IsNullOrEmpty(currentPassword) || !(await signInManager.CheckPasswordSignInAsync(user, currentPassword, lockoutOnFailure: true)).Succeeded)
        {
            return AccountResult.Invalid(PasswordFields.Current, "The current password is not right. After 5 wrong tries the account is locked for 5 minutes.");
        }
        if (string.IsNullOrEmpty(newPassword))
        {
            return AccountResult.Invalid(PasswordFields.New, "Enter a new password.");
        }
        if (newPassword.Length > MaxPasswordLength)
        {
            return AccountResult.Invalid(PasswordFields.New, $"Use at most {MaxPasswordLength} characters.");
        }
        var problems = new List<string>();
        foreach (var validator in userManager.PasswordValidators)
        {
            var checkedPassword = await validator.ValidateAsync(userManager, user, newPassword);
            problems.AddRange(checkedPassword.Errors.Select(e => e.Description));
        }
        if (problems.Count > 0)
        {
            return AccountResult.Invalid(PasswordFields.New, string.Join(" ", problems));
        }
        // The new hash and the new stamp in one write: no moment where the asking session is refused too.
        user.PasswordHash = userManager.PasswordHasher.HashPassword(user, newPassword);
        user.SecurityStamp = SessionCheck.KeepingSession(Guid.NewGuid().ToString("N"), keptSessionId);
        var saved = await userManager.UpdateAsync(user);
        if (!saved.Succeeded)
        {
            return AccountResult.Invalid(PasswordFields.New, string.Join(" ", saved.Errors.Select(e => e.Description)));
        }
        events.EndUser(user.Id);
        return new AccountResult(user, new Dictionary<string, string[]>(), false);
    }

    /// <summary>The session that changed the password, signed in again with its session id and the account's new stamp.</summary>
    public Task RenewSignInAsync(ChatUser user, string? sessionId) =>
        signInManager.SignInWithClaimsAsync(user, isPersistent: false,
            sessionId is null ? [] : [new Claim(ClaimsPrincipalExtensions.SessionIdClaim, sessionId)]);

    public static class PasswordFields
    {
        public const string Current = "CurrentPassword";
        public const string New = "NewPassword";
    }

    /// <summary>The account named by <c>ADMIN_USER</c>: start-up gives it the Admin role back, so nobody may take it away.</summary>
    public bool IsSeededAdmin(ChatUser user) =>
        seededAdmin.Value.IsConfigured && string.Equals(user.UserName, seededAdmin.Value.User, StringComparison.OrdinalIgnoreCase);

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

    public async Task<IdentityResult> UnlockAsync(ChatUser user)
    {
        var result = await userManager.SetLockoutEndDateAsync(user, null);
        return result.Succeeded ? await userManager.ResetAccessFailedCountAsync(user) : result;
    }

    /// <summary>Takes effect on the person's next request, sessions and tokens alike (<see cref="SessionCheck"/>).</summary>
    public async Task<IdentityResult> SetAdminAsync(ChatUser user, bool admin)
    {
        var isAdmin = user.Roles.Contains(Roles.Admin);
        if (isAdmin == admin)
        {
            return IdentityResult.Success;
        }
        return admin ? await userManager.AddToRoleAsync(user, Roles.Admin) : await userManager.RemoveFromRoleAsync(user, Roles.Admin);
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

        ValidateEmail(input.Email, errors);

        if (string.IsNullOrEmpty(input.Password))
        {
            Add(nameof(input.Password), "Enter a password.");
        }
        else if (input.Password.Length > MaxPasswordLength)
        {
            Add(nameof(input.Password), $"Use at most {MaxPasswordLength} characters.");
        }

        ValidateGender(input.Gender, errors);
        ValidateTimeZone(input.TimeZone, errors);
        return errors;
    }

    private static void ValidateEmail(string? email, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            errors[nameof(RegisterInput.Email)] = ["Enter an email address."];
        }
        else if (email.Length > MaxEmailLength || !IsEmail(email.Trim()))
        {
            errors[nameof(RegisterInput.Email)] = ["Enter a valid email address."];
        }
    }

    private static void ValidateGender(string? gender, Dictionary<string, string[]> errors)
    {
        if (gender is { Length: > MaxGenderLength })
        {
            errors[nameof(RegisterInput.Gender)] = [$"Use at most {MaxGenderLength} characters."];
        }
    }

    private static void ValidateTimeZone(string? zone, Dictionary<string, string[]> errors)
    {
        if (!string.IsNullOrWhiteSpace(zone) && !TimeZones.IsKnown(zone))
        {
            errors[nameof(RegisterInput.TimeZone)] = ["Choose a time zone from the list (an IANA id such as Europe/Paris)."];
        }
    }

    private static bool IsEmail(string value) =>
        MailAddress.TryCreate(value, out var address) && address.Address == value && value.Contains('@', StringComparison.Ordinal);
}
