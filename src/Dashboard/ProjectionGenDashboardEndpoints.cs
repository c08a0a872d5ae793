using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProjectionGen.Daemon;
using ProjectionGen.Dashboard;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
using ActionAnswer = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<ProjectionGen.Dashboard.DashboardActionResult>,
    Microsoft.AspNetCore.Http.HttpResults.NotFound<ProjectionGen.Dashboard.DashboardActionResult>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<ProjectionGen.Dashboard.DashboardActionResult>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<ProjectionGen.Dashboard.DashboardActionResult>,
    Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ProjectionGen.Dashboard.DashboardActionResult>>;

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
        group.MapGet("/api/snapshot", SnapshotAsync).ExcludeFromDescription();
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

    private static ContentHttpResult Page(HttpContext context, [FromServices] DashboardAssets assets)
    {
        var path = context.Request.PathBase.Add(context.Request.Path).ToUriComponent();
        var baseHref = path.EndsWith('/') ? path : path + "/";
        var html = assets.IndexTemplate.Replace("{{BASE}}", WebUtility.HtmlEncode(baseHref), StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static Results<FileContentHttpResult, NotFound> Asset(HttpContext context, string name, [FromServices] DashboardAssets assets)
    {
        if (!assets.TryGet(name, out var content, out var contentType))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(content, contentType);
    }

    private static async Task<JsonHttpResult<DashboardSnapshot>> SnapshotAsync(
        HttpContext context,
        string? lagAfter,
        string? tenant,
        bool? tenantFailed,
        int? tenantPage,
        [FromServices] DashboardData data,
        [FromServices] IOptions<ProjectionGenDashboardOptions> options,
        [FromServices] IAuthorizationService? authorization,
        [FromServices] IAntiforgery? antiforgery,
        [FromServices] IDashboardNodeDrain? drain,
        [FromServices] ProjectionDaemon? daemon)
    {
        // A read-only dashboard (no ActionsPolicy) needs neither authorization nor anti-forgery services.
        var actions = new DashboardActions(false, false, false, false, null, null);
        if (options.Value.ActionsPolicy is { } policy)
        {
            var allowed = (await ActionService(authorization).AuthorizeAsync(context.User, policy).ConfigureAwait(false)).Succeeded;
            var tokens = allowed ? ActionService(antiforgery).GetAndStoreTokens(context) : null;
            actions = new DashboardActions(true, allowed, daemon is not null, drain is not null, tokens?.FormFieldName, tokens?.RequestToken);
        }

        DateTimeOffset? after = DateTimeOffset.TryParse(lagAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        var tenants = new DashboardTenantQuery(tenant is { Length: > 64 } ? tenant[..64] : tenant, tenantFailed == true, Math.Max(0, tenantPage ?? 0));
        var snapshot = await data.ReadAsync(after, actions, daemon, tenants, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(snapshot, DashboardJsonContext.Default.DashboardSnapshot);
    }

    // The dashboard's actions need the application's authorization and anti-forgery services (docs/dashboard.md).
    private static T ActionService<T>(T? service)
        where T : class =>
        service ?? throw new InvalidOperationException($"No service for type '{typeof(T).FullName}' has been registered: the dashboard's actions (ActionsPolicy) need it.");

    private static Task<ActionAnswer> RebuildAsync(HttpContext context, string projection, [FromServices] IAntiforgery antiforgery, [FromServices] ProjectionRebuilder rebuilder) =>
        ActAsync(context, antiforgery, async () =>
        {
            try
            {
                var result = await rebuilder.RebuildAsync(projection, context.RequestAborted).ConfigureAwait(false);
                return Ok($"Rebuilding {result.Projection}: epoch {result.Epoch}, position {result.PreviousPosition} reset to 0; the owner ({result.PreviousOwner ?? "none"}) is fenced and a node replays it.");
            }
            catch (ArgumentException failure)
            {
                return NotFound(failure.Message);
            }
            catch (InvalidOperationException failure)
            {
                return Conflict(failure.Message);
            }
        });

    private static Task<ActionAnswer> ResumeAsync(HttpContext context, string projection, [FromServices] IAntiforgery antiforgery, [FromServices] ProjectionDaemon? daemon) =>
        ActAsync(context, antiforgery, () => Task.FromResult(
            daemon is null
                ? Failed(StatusCodes.Status501NotImplemented, "This application runs no ProjectionGen node: resume on the node where the projection is paused.")
                : daemon.Resume(projection)
                    ? Ok($"Resuming {projection}: node {daemon.NodeName} releases its lock and a node continues from the committed position under a new epoch.")
                    : Conflict($"Projection {projection} is not paused on node {daemon.NodeName}.")));

    private static Task<ActionAnswer> RetryAsync(HttpContext context, long id, [FromServices] IAntiforgery antiforgery, [FromServices] ProjectionDeadLetters deadLetters) =>
        ActAsync(context, antiforgery, async () =>
        {
            try
            {
                var result = await deadLetters.RetryAsync(id, context.RequestAborted).ConfigureAwait(false);
                return result switch
                {
                    null => NotFound($"Dead letter {id} does not exist."),
                    { Applied: true } => Ok($"Dead letter {id} applied under epoch {result.Epoch} and removed."),
                    _ => Conflict($"Dead letter {id} failed again: {DashboardErrors.Mask(FirstLine(result.Error))}"),
                };
            }
            catch (InvalidOperationException failure)
            {
                return Conflict(failure.Message);
            }
        });

    private static Task<ActionAnswer> DiscardAsync(HttpContext context, long id, [FromServices] IAntiforgery antiforgery, [FromServices] ProjectionDeadLetters deadLetters) =>
        ActAsync(context, antiforgery, async () =>
            await deadLetters.DiscardAsync(id, context.RequestAborted).ConfigureAwait(false)
                ? Ok($"Dead letter {id} discarded.")
                : NotFound($"Dead letter {id} does not exist."));

    private static Task<ActionAnswer> DrainAsync(HttpContext context, string node, [FromServices] IAntiforgery antiforgery, [FromServices] IDashboardNodeDrain? drain) =>
        ActAsync(context, antiforgery, async () =>
            drain is null
                ? Failed(StatusCodes.Status501NotImplemented, "Draining a node is not available in this version.")
                : Ok(await drain.DrainAsync(node, context.RequestAborted).ConfigureAwait(false)));

    /// <summary>Every action: the anti-forgery token first (refused without it), database failures described safely.</summary>
    private static async Task<ActionAnswer> ActAsync(HttpContext context, IAntiforgery antiforgery, Func<Task<ActionAnswer>> action)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return TypedResults.BadRequest(new DashboardActionResult(false, "The anti-forgery token is missing or invalid: reload the page."));
        }

        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is Npgsql.NpgsqlException or TimeoutException or IOException or JsonException)
        {
            return Failed(StatusCodes.Status503ServiceUnavailable, SafeErrorText.Describe(failure));
        }
    }

    private static ActionAnswer Ok(string message) => TypedResults.Ok(new DashboardActionResult(true, message));

    private static ActionAnswer NotFound(string message) => TypedResults.NotFound(new DashboardActionResult(false, message));

    private static ActionAnswer Conflict(string message) => TypedResults.Conflict(new DashboardActionResult(false, message));

    /// <summary>A refusal with a status that has no typed result of its own (501, 503).</summary>
    private static ActionAnswer Failed(int status, string message) =>
        TypedResults.Json(new DashboardActionResult(false, message), DashboardJsonContext.Default.DashboardActionResult, statusCode: status);

    private static string? FirstLine(string? text) => text?.Split('\n', 2)[0].TrimEnd('\r');
}
