using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ProjectionGen.Common;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;

namespace ProjectionGen.Health;

/// <summary>
/// One node's view of the cluster for health and metrics: samples the projection status every
/// <see cref="ProjectionHealthOptions.SampleInterval"/>, remembers since when each projection has had no owner anywhere,
/// remembers this node's lock losses until the projection is owned again, has the daemon stop this node's agents whose
/// epoch a rebuild superseded (<see cref="SupersededAgents"/>), and evaluates health from all of it without touching the
/// database.
/// </summary>
internal sealed class ProjectionClusterMonitor
{
    private readonly ProjectionStatusReader reader;
    private readonly ProjectionDaemon daemon;
    private readonly ProjectionHealthOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, ProjectionLifecycleEventArgs> pendingLosses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> unownedSince = new(StringComparer.Ordinal);
    private volatile Sample? latest;
    private volatile bool running;

    public ProjectionClusterMonitor(ProjectionStatusReader reader, ProjectionDaemon daemon, ProjectionHealthOptions options, TimeProvider time, ILogger<ProjectionClusterMonitor> logger)
    {
        this.reader = reader;
        this.daemon = daemon;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>The statuses of the last successful sample (empty before the first).</summary>
    public IReadOnlyList<ProjectionStatus> LatestStatuses => latest?.Statuses ?? [];

    /// <summary>Watches the daemon's lock acquisitions and losses until the returned handle is disposed.</summary>
    public IDisposable Attach()
    {
        daemon.Lifecycle += OnLifecycle;
        return new Unsubscriber(() => daemon.Lifecycle -= OnLifecycle);
    }

    /// <summary>Samples until <paramref name="stop"/> is cancelled; health reports the daemon as running meanwhile.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        running = true;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await SampleOnceAsync(stop).ConfigureAwait(false);
                await Task.Delay(options.SampleInterval, time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            running = false;
        }
    }

    /// <summary>Takes one sample now.</summary>
    public async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ProjectionStatus> statuses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.SampleInterval + TimeSpan.FromSeconds(5));
            statuses = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ErrorText.Describe(failure);
            HealthLog.SampleFailed(logger, daemon.NodeName, error);
            latest = (latest ?? new Sample([], new Dictionary<string, DateTimeOffset>(), null)) with { Error = error };
            return;
        }

        var now = time.GetUtcNow();
        var byName = statuses.ToDictionary(s => s.Projection, StringComparer.Ordinal);
        foreach (var state in daemon.GetStates())
        {
            byName.TryGetValue(state.Projection, out var status);
            if (status is { OwnerAlive: true } or { Projected: false })
            {
                unownedSince.Remove(state.Projection);
            }
            else
            {
                unownedSince.TryAdd(state.Projection, now);
            }

            // Another node, or this one, owns it under a newer epoch than the loss: the loss is over.
            if (status is { OwnerAlive: true } && pendingLosses.TryGetValue(state.Projection, out var loss) && status.Epoch > loss.Epoch)
            {
                pendingLosses.TryRemove(KeyValuePair.Create(state.Projection, loss));
            }

            // A rebuild (or a takeover this node has not noticed yet) may have bumped the epoch under a running agent: the
            // daemon's one owner of that rule (SupersededAgents) decides and stops it.
            if (status is not null && state.Status == AgentStatus.Running && daemon.StopIfSuperseded(state.Projection, status.Epoch))
            {
                HealthLog.SupersededAgentStopped(logger, state.Projection, daemon.NodeName, state.Epoch, status.Epoch);
            }
        }

        latest = new Sample(statuses, new Dictionary<string, DateTimeOffset>(unownedSince, StringComparer.Ordinal), null);
    }

    /// <summary>The node's health, from the daemon's state and the last sample; never throws, never queries.</summary>
    public HealthCheckResult Evaluate()
    {
        var node = daemon.NodeName;
        if (!running)
        {
            return HealthCheckResult.Unhealthy($"ProjectionGen on node {node} is not running.");
        }

        var sample = latest;
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["node"] = node };
        foreach (var status in sample?.Statuses ?? [])
        {
            data[status.Projection] = $"owner={status.Owner ?? "-"} alive={status.OwnerAlive} epoch={status.Epoch} lag={status.LagEvents}";
        }

        if (!daemon.IsLockConnectionHealthy)
        {
            return HealthCheckResult.Unhealthy($"The lock connection of node {node} is down: it holds no projection locks until it reconnects.", data: data);
        }

        var now = time.GetUtcNow();
        var unowned = (sample?.UnownedSince ?? new Dictionary<string, DateTimeOffset>())
            .Where(pair => now - pair.Value > options.UnownedThreshold)
            .Select(pair => pair.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unowned.Count > 0)
        {
            return HealthCheckResult.Unhealthy($"No node in the cluster has owned {string.Join(", ", unowned)} for more than {options.UnownedThreshold}.", data: data);
        }

        var problems = new List<string>();
        problems.AddRange(pendingLosses.Values
            .OrderBy(loss => loss.Projection, StringComparer.Ordinal)
            .Select(loss => $"{loss.Projection} lost its lock on node {node} at epoch {loss.Epoch} ({loss.Cause}) and is not owned again yet"));
        if (sample?.Error is { } error)
        {
            problems.Add($"the last status sample failed ({error})");
        }

        foreach (var status in sample?.Statuses ?? [])
        {
            // A kept generation's slot stands still and a building one catches up, by design (docs/versions.md).
            if (status.Projected && !status.Building && (status.LagEvents > options.LagEventsThreshold || status.Lag > options.LagThreshold))
            {
                problems.Add($"{status.Projection} lags {status.LagEvents} events ({status.Lag.TotalSeconds:0.#} s)");
            }
        }

        return problems.Count > 0
            ? HealthCheckResult.Degraded(string.Join("; ", problems) + ".", data: data)
            : HealthCheckResult.Healthy($"Node {node}: lock connection up, every projection owned, lag within thresholds.", data);
    }

    private void OnLifecycle(object? sender, ProjectionLifecycleEventArgs e)
    {
        if (e.Kind == ProjectionLifecycleKind.LockLost)
        {
            pendingLosses[e.Projection] = e;
        }
        else if (e.Kind == ProjectionLifecycleKind.LockAcquired)
        {
            pendingLosses.TryRemove(e.Projection, out _);
        }
    }

    private sealed record Sample(IReadOnlyList<ProjectionStatus> Statuses, IReadOnlyDictionary<string, DateTimeOffset> UnownedSince, string? Error);
}
