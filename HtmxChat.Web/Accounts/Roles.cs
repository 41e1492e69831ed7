namespace HtmxChat.Web.Accounts;

public static class Roles
{
    public const string Admin = "Admin";

    private static readonly string[] Known = [Admin];

    /// <summary>Identity hands stores upper-cased role names; roles are kept and claimed as spelled here.</summary>
    public static string Canonical(string roleName) =>
        Array.Find(Known, r => r.Equals(roleName, StringComparison.OrdinalIgnoreCase)) ?? roleName;
}
