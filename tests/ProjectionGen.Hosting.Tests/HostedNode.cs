using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProjectionGen.Alerts;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>A real generic host (<see cref="Host.CreateApplicationBuilder()"/>) running one ProjectionGen node, with captured logs and alerts.</summary>
internal sealed class HostedNode : IAsyncDisposable
{
    private HostedNode(IHost host, CapturingLoggerProvider logs, string node)
    {
        Host = host;
        Logs = logs;
        Node = node;
    }

    public IHost Host { get; }

    public CapturingLoggerProvider Logs { get; }

    public string Node { get; }

    public PostgresEventStore Store => Host.Services.GetRequiredService<PostgresEventStore>();

    public ProjectionStatusReader Status => Host.Services.GetRequiredService<ProjectionStatusReader>();

    public RecordingAlertSink Alerts => Host.Services.GetServices<IProjectionAlertSink>().OfType<RecordingAlertSink>().Single();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static IGeneratedProjection[] Projections() => [new LedgerProjection(), new AccountBalanceProjection(), new FragileProjection()];

    /// <summary>Builds (does not start) a host; <paramref name="settings"/> go into configuration under their keys.</summary>
    public static HostedNode Create(string? connectionString, string node, Action<ProjectionGenOptions>? configure = null, Dictionary<string, string?>? settings = null)
    {
        var logs = new CapturingLoggerProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services
            .AddProjectionGen(builder.Configuration.GetSection(ProjectionGenOptions.SectionName), options =>
            {
                options.Daemon.ConnectionString ??= connectionString;
                options.Daemon.NodeName = node;
                options.Health.SampleInterval = TimeSpan.FromMilliseconds(200);
                configure?.Invoke(options);
            })
            .AddProjections(Projections())
            .AddEventType<Deposited>()
            .AddEventType<Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddAlertSink<RecordingAlertSink>();
        builder.Services.AddHealthChecks().AddProjectionGen();
        return new HostedNode(builder.Build(), logs, node);
    }

    public Task StartAsync() => Host.StartAsync(Ct);

    public async Task<HealthReport> CheckHealthAsync() =>
        await Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

    /// <summary>Waits until the node's health check reports <paramref name="status"/>; returns the report's description.</summary>
    public Task<string> WaitForHealthAsync(Func<HealthStatus, bool> condition, string what, TimeSpan? timeout = null) =>
        WaitForHealthAsync((status, _) => condition(status), what, timeout);

    /// <summary>Waits for a health report whose status and description satisfy <paramref name="condition"/>; returns the description.</summary>
    public async Task<string> WaitForHealthAsync(Func<HealthStatus, string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        HealthReport report;
        do
        {
            report = await CheckHealthAsync();
            var description = report.Entries["projectiongen"].Description ?? "";
            if (condition(report.Status, description))
            {
                return description;
            }

            await Task.Delay(20, Ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"Health never became {what}; last: {report.Status}: {report.Entries["projectiongen"].Description}");
        return "";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await Host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or Npgsql.NpgsqlException or IOException or InvalidOperationException)
        {
            // A host that failed to start, or a database already dropped.
        }

        if (Host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}
