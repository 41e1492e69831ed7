using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Domain;
using Htmx;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Accounts;

public static class AccountsExtensions
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA512, which Identity's v3 hash format uses.</summary>
    public const int PasswordHashIterations = 210_000;

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        // Identity's normalizer is stateless; as a singleton the chat services can share it (Identity only TryAdds its own).
        services.AddSingleton<ILookupNormalizer, UpperInvariantLookupNormalizer>();
        services.AddIdentityCore<ChatUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
                // Length over composition (NIST SP 800-63B).
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddUserStore<ChatUserStore>()
            .AddClaimsPrincipalFactory<ChatUserClaimsFactory>()
            .AddSignInManager();
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = PasswordHashIterations);

        var development = builder.Environment.IsDevelopment();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "htmxchat.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = RedirectPagesOnly;
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            o.Events.OnValidatePrincipal = SessionCheck.ValidateCookieAsync;
        });

        services.AddScoped<AccountService>();
        services.AddScoped<Administration>();
        services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LoginRateLimiter>();
        services.AddSingleton<AccountCache>();
        services.AddSingleton<StreamAuthentication>();
        services.AddOptions<AdminOptions>()
            .Bind(builder.Configuration)
            .Validate(o => !o.IsConfigured || !string.IsNullOrEmpty(o.Pass), "ADMIN_USER is set but ADMIN_PASS is not: set ADMIN_PASS to the admin's password.")
            .Validate(o => !o.IsConfigured || string.IsNullOrEmpty(o.TimeZone) || TimeZones.IsKnown(o.TimeZone), "ADMIN_TIMEZONE is not a known IANA time zone id.")
            .ValidateOnStart();
        services.AddHostedService<AdminAccountSeeder>();
        return builder;
    }

    /// <summary>
    /// A page request goes to the login page; an htmx or event-stream request gets 401 (htmx follows
    /// <c>HX-Redirect</c>), since a redirect there would swap the login page into a fragment or loop the stream.
    /// </summary>
    private static Task RedirectPagesOnly(RedirectContext<CookieAuthenticationOptions> context)
    {
        var request = context.Request;
        if (request.IsHtmx() || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers["HX-Redirect"] = context.RedirectUri;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
