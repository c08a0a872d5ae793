using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProjectionGen.Daemon;
using ProjectionGen.Dashboard;
using ProjectionGen.Operations;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ProjectionGen dashboard into an ASP.NET Core application.</summary>
public static class ProjectionGenDashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Maps the dashboard under <paramref name="pattern"/>: the page, its embedded assets and its JSON, and, when
    /// <see cref="ProjectionGenDashboardOptions.ActionsPolicy"/> is set, the actions behind that policy and an
    /// anti-forgery token. Register the services first with <c>services.AddProjectionGenDashboard()</c>.
    /// </summary>
    /// <returns>A builder for all of the dashboard's endpoints: <c>.RequireAuthorization(...)</c> on it protects the page too.</returns>
    /// <exception cref="InvalidOperationException"><c>AddProjectionGenDashboard</c> or <c>AddProjectionGen</c> was not called.</exception>
    public static IEndpointConventionBuilder MapProjectionGenDashboard(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/projectiongen")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (endpoints.ServiceProvider.GetService<DashboardData>() is null)
        {
            throw new InvalidOperationException("The ProjectionGen dashboard's services are missing: call services.AddProjectionGen(...) and services.AddProjectionGenDashboard() before mapping it.");
        }

        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<ProjectionGenDashboardOptions>>().Value;
        var group = endpoints.MapGroup(pattern);
        group.AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return await next(context).ConfigureAwait(false);
        });
        if (options.ReadPolicy is { } readPolicy)
        {
            group.RequireAuthorization(readPolicy);
        }

        group.MapGet("/", Page).ExcludeFromDescription();
        group.MapGet("/assets/{name}", Asset).ExcludeFromDescription();
        group.MapGet("/api/snapshot", (HttpContext context, string? lagAfter) => SnapshotAsync(context, options, lagAfter)).ExcludeFromDescription();
        if (options.ActionsPolicy is { } actionsPolicy)
        {
            var actions = group.MapGroup("/api/actions").RequireAuthorization(actionsPolicy).ExcludeFromDescription();
            actions.MapPost("/rebuild/{projection}", RebuildAsync);
            actions.MapPost("/resume/{projection}", ResumeAsync);
            actions.MapPost("/dead-letters/{id:long}/retry", RetryAsync);
            actions.MapPost("/dead-letters/{id:long}/discard", DiscardAsync);
            actions.MapPost("/drain/{node}", DrainAsync);
        }

        return group;
    }

    private static IResult Page(HttpContext context)
    {
        var assets = context.RequestServices.GetRequiredService<DashboardAssets>();
        var path = context.Request.PathBase.Add(context.Request.Path).ToUriComponent();
        var baseHref = path.EndsWith('/') ? path : path + "/";
        var html = assets.IndexTemplate.Replace("{{BASE}}", WebUtility.HtmlEncode(baseHref), StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static IResult Asset(HttpContext context, string name)
    {
        var assets = context.RequestServices.GetRequiredService<DashboardAssets>();
        if (!assets.TryGet(name, out var content, out var contentType))
        {
            return Results.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(content, contentType);
    }

    private static async Task<IResult> SnapshotAsync(HttpContext context, ProjectionGenDashboardOptions options, string? lagAfter)
    {
        var services = context.RequestServices;
        var actions = new DashboardActions(false, false, false, false, null, null);
        if (options.ActionsPolicy is { } policy)
        {
            var authorization = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, policy).ConfigureAwait(false);
            var canDrain = services.GetService<IDashboardNodeDrain>() is not null;
            var canResume = services.GetService<ProjectionDaemon>() is not null;
            if (authorization.Succeeded)
            {
                var tokens = services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
                actions = new DashboardActions(true, true, canResume, canDrain, tokens.FormFieldName, tokens.RequestToken);
            }
            else
            {
                actions = new DashboardActions(true, false, canResume, canDrain, null, null);
            }
        }

        DateTimeOffset? after = DateTimeOffset.TryParse(lagAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        var snapshot = await services.GetRequiredService<DashboardData>().ReadAsync(after, actions, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(snapshot, DashboardJsonContext.Default.DashboardSnapshot);
    }

    private static Task<IResult> RebuildAsync(HttpContext context, string projection) => ActAsync(context, async services =>
    {
        try
        {
            var result = await services.GetRequiredService<ProjectionRebuilder>().RebuildAsync(projection, context.RequestAborted).ConfigureAwait(false);
            return Answer(StatusCodes.Status200OK, true, $"Rebuilding {result.Projection}: epoch {result.Epoch}, position {result.PreviousPosition} reset to 0; the owner ({result.PreviousOwner ?? "none"}) is fenced and a node replays it.");
        }
        catch (ArgumentException failure)
        {
            return Answer(StatusCodes.Status404NotFound, false, failure.Message);
        }
        catch (InvalidOperationException failure)
        {
            return Answer(StatusCodes.Status409Conflict, false, failure.Message);
        }
    });

    private static Task<IResult> ResumeAsync(HttpContext context, string projection) => ActAsync(context, services =>
    {
        var daemon = services.GetService<ProjectionDaemon>();
        var result = daemon is null
            ? Answer(StatusCodes.Status501NotImplemented, false, "This application runs no ProjectionGen node: resume on the node where the projection is paused.")
            : daemon.Resume(projection)
                ? Answer(StatusCodes.Status200OK, true, $"Resuming {projection}: node {daemon.NodeName} releases its lock and a node continues from the committed position under a new epoch.")
                : Answer(StatusCodes.Status409Conflict, false, $"Projection {projection} is not paused on node {daemon.NodeName}.");
        return Task.FromResult(result);
    });

    private static Task<IResult> RetryAsync(HttpContext context, long id) => ActAsync(context, async services =>
    {
        try
        {
            var result = await services.GetRequiredService<ProjectionDeadLetters>().RetryAsync(id, context.RequestAborted).ConfigureAwait(false);
            return result switch
            {
                null => Answer(StatusCodes.Status404NotFound, false, $"Dead letter {id} does not exist."),
                { Applied: true } => Answer(StatusCodes.Status200OK, true, $"Dead letter {id} applied under epoch {result.Epoch} and removed."),
                _ => Answer(StatusCodes.Status409Conflict, false, $"Dead letter {id} failed again: {DashboardErrors.Mask(FirstLine(result.Error))}"),
            };
        }
        catch (InvalidOperationException failure)
        {
            return Answer(StatusCodes.Status409Conflict, false, failure.Message);
        }
    });

    private static Task<IResult> DiscardAsync(HttpContext context, long id) => ActAsync(context, async services =>
        await services.GetRequiredService<ProjectionDeadLetters>().DiscardAsync(id, context.RequestAborted).ConfigureAwait(false)
            ? Answer(StatusCodes.Status200OK, true, $"Dead letter {id} discarded.")
            : Answer(StatusCodes.Status404NotFound, false, $"Dead letter {id} does not exist."));

    private static Task<IResult> DrainAsync(HttpContext context, string node) => ActAsync(context, async services =>
        services.GetService<IDashboardNodeDrain>() is { } drain
            ? Answer(StatusCodes.Status200OK, true, await drain.DrainAsync(node, context.RequestAborted).ConfigureAwait(false))
            : Answer(StatusCodes.Status501NotImplemented, false, "Draining a node is not available in this version."));

    /// <summary>Every action: the anti-forgery token first (refused without it), database failures described safely.</summary>
    private static async Task<IResult> ActAsync(HttpContext context, Func<IServiceProvider, Task<IResult>> action)
    {
        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Answer(StatusCodes.Status400BadRequest, false, "The anti-forgery token is missing or invalid: reload the page.");
        }

        try
        {
            return await action(context.RequestServices).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is Npgsql.NpgsqlException or TimeoutException or IOException or JsonException)
        {
            return Answer(StatusCodes.Status503ServiceUnavailable, false, DashboardErrors.Describe(failure));
        }
    }

    private static IResult Answer(int status, bool ok, string message) =>
        Results.Json(new DashboardActionResult(ok, message), DashboardJsonContext.Default.DashboardActionResult, statusCode: status);

    private static string? FirstLine(string? text) => text?.Split('\n', 2)[0].TrimEnd('\r');
}
