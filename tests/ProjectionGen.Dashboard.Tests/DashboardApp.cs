using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProjectionGen.Dashboard;
using ProjectionGen.Tenancy;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A real ASP.NET Core application on Kestrel (127.0.0.1, port 0) that runs one ProjectionGen node and maps the
/// dashboard at <c>/projectiongen</c>. Authentication is a cookie set by <c>/test/login?role=admin|viewer</c>;
/// policy <c>ProjectionGenAdmin</c> requires role <c>admin</c>. Stopped and disposed by the test.
/// </summary>
internal sealed class DashboardApp : IAsyncDisposable
{
    public const string AdminPolicy = "ProjectionGenAdmin";

    private DashboardApp(WebApplication app, string node)
    {
        App = app;
        Node = node;
    }

    public WebApplication App { get; }

    public string Node { get; }

    /// <summary>The server's address, for example <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1");

    /// <summary>The dashboard's page.</summary>
    public Uri Dashboard => new(BaseAddress, "/projectiongen/");

    public IServiceProvider Services => App.Services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Builds and starts the application; <paramref name="actions"/> maps the actions behind <see cref="AdminPolicy"/>.</summary>
    /// <param name="tenantBoard">Shows the tenant status board of the database (<c>AddTenantStatusBoard</c>), without running tenant databases.</param>
    public static async Task<DashboardApp> StartAsync(string connectionString, string node, bool actions, bool tenantBoard = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddProvider(new TestOutputLoggerProvider());
        var projectionGen = builder.Services
            .AddProjectionGen(options =>
            {
                options.Daemon.ConnectionString = connectionString;
                options.Daemon.NodeName = node;
                options.Health.SampleInterval = TimeSpan.FromMilliseconds(500);
            })
            .AddProjections(HostedNode.Projections())
            .AddEventType<Deposited>()
            .AddEventType<Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All);
        if (tenantBoard)
        {
            projectionGen.AddTenantStatusBoard();
        }

        builder.Services.AddProjectionGenDashboard(options =>
        {
            options.ActionsPolicy = actions ? AdminPolicy : null;
            options.LagSampleInterval = TimeSpan.FromSeconds(1);
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Events.OnRedirectToLogin = context => { context.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
            cookie.Events.OnRedirectToAccessDenied = context => { context.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole("admin"));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/test/login", async (HttpContext context, string role) =>
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, role)], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Redirect("/projectiongen/");
        });
        app.MapProjectionGenDashboard("/projectiongen");

        var started = new DashboardApp(app, node);
        try
        {
            await app.StartAsync(Ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            started.BaseAddress = new Uri(address);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await App.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or Npgsql.NpgsqlException or IOException or InvalidOperationException)
        {
            // A host that failed to start, or a database already dropped.
        }

        await App.DisposeAsync();
    }
}
