using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace HtmxChat.Web.Api;

internal static class ApiProblems
{
    public static ValidationProblem Validation(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ApiExtensions.CamelCase(field)] = [error] });

    public static ValidationProblem Validation(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => ApiExtensions.CamelCase(e.Key), e => e.Value));

    /// <summary>
    /// A refused send, edit, deletion or reaction, worded as it is everywhere else (<see cref="Chats.ChatResult.Refused"/>);
    /// a rate limit says when to retry.
    /// </summary>
    public static ProblemHttpResult Refused(Chats.ChatResult.Refused refused, HttpResponse? response = null)
    {
        if (refused is Chats.ChatResult.RateLimited limited && response is not null)
        {
            response.Headers.RetryAfter = limited.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return TypedResults.Problem(statusCode: refused.Status, title: ReasonPhrases.GetReasonPhrase(refused.Status), detail: refused.Detail,
            extensions: refused is Chats.ChatResult.Invalid invalid
                ? new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [invalid.Field] = [invalid.Error] } }
                : null);
    }

    /// <summary>A refused account change: 409 when the email or username belongs to someone else, else 400 per field.</summary>
    public static ProblemHttpResult Account(Accounts.AccountResult refused)
    {
        if (!refused.IsConflict)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(refused.Errors.ToDictionary(e => ApiExtensions.CamelCase(e.Key), e => e.Value))
            {
                Status = StatusCodes.Status400BadRequest,
            });
        }
        var (field, errors) = refused.Errors.First();
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: errors[0],
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [ApiExtensions.CamelCase(field)] = errors } });
    }

    public static ProblemHttpResult NotFound(string what = "chat") =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No such {what}.");
}
