using Microsoft.AspNetCore.Http.HttpResults;

namespace HtmxChat.Web.Api;

internal static class ApiProblems
{
    public static ValidationProblem Validation(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ApiExtensions.CamelCase(field)] = [error] });

    public static ValidationProblem Validation(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => ApiExtensions.CamelCase(e.Key), e => e.Value));

    public static ProblemHttpResult NotFound(string what = "chat") =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No such {what}.");
}
