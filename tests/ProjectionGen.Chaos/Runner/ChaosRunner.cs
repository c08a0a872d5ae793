using System.Diagnostics;
using Npgsql;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Testing;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// One Jepsen-style run: a harness-owned PostgreSQL, node processes, continuous writers, seeded faults; then faults
/// stop, everything catches up, and the history is checked against the invariants of docs/chaos.md.
/// </summary>
internal static class ChaosRunner
{
    public static async Task<ChaosResult> RunAsync(ChaosOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var seed = options.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-seed{seed}"));
        Directory.CreateDirectory(directory);
        log.WriteLine($"chaos run: seed {seed}, {options.Duration.TotalSeconds:F0} s of faults, {options.Nodes} nodes (+{options.SpareNodes} spare), {options.Writers} writers, "
            + $"{options.Projections.Count} projections, eviction timeout {options.EvictionTimeout.TotalSeconds:F0} s{(options.Unfenced ? ", UNFENCED nodes" : "")}; "
            + $"mode: {ChaosReport.Mode(options)}; output {directory}");

        await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { AllowExternal = false, MaxConnections = 300 }, cancellationToken);
        await using var database = await server.CreateDatabaseAsync("chaos", cancellationToken);

        // Pooler mode: batches and appends through PgBouncer in transaction mode, the locks direct, statements not
        // prepared (docs/operations.md, "Behind a connection pooler"). Disposed before the server, also on failure.
        await using var pooler = options.Pooler ? await PgBouncerProxy.StartAsync(server, PgBouncerPoolMode.Transaction, cancellationToken) : null;
        var pooled = pooler is null ? null : new NpgsqlConnectionStringBuilder(pooler.ConnectionString) { Database = database.Name, Pooling = true }.ConnectionString;
        await using var cluster = await ClusterHarness.CreateAsync(database.ConnectionString, options.Projections, directory, cancellationToken);
        if (options.Tenants > 0 && options.Pooler)
        {
            throw new InvalidOperationException("Tenant mode (--tenants) and pooler mode (--pooler) are not combined.");
        }

        // Tenant mode: tenant databases over this server and a second one, listed in this database's master table
        // (docs/chaos.md, "Tenant mode"). Disposed before the cluster's nodes are killed: their connections may stay.
        await using var tenants = options.Tenants > 0
            ? await TenantChaos.CreateAsync(server, cluster.DataSource, options.Tenants, options.TenantProjections, random, log, cancellationToken)
            : null;
        for (var i = 1; i <= options.Nodes + options.SpareNodes; i++)
        {
            cluster.AddNode(
                $"n{i}",
                settings => settings with
                {
                    Unfenced = options.Unfenced,
                    EvictionTimeout = options.EvictionTimeout,
                    HeartbeatTimeout = options.EvictionTimeout / 2,
                    CommitDelay = options.CommitDelay ?? settings.CommitDelay,
                    PrepareStatements = pooler is null,
                    TenantProjections = tenants is null ? [] : tenants.Projections,
                },
                connectionString: pooled,
                lockConnectionString: pooled is null ? null : database.ConnectionString);
        }

        foreach (var node in cluster.Nodes.Take(options.Nodes))
        {
            node.Start();
        }

        cluster.StartWriters(options.Writers, seed, pooled);
        tenants?.StartWriters(seed);
        using var stopReading = new CancellationTokenSource();
        var views = new ViewReader(
            cluster.DataSource,
            cluster.Store.Schema,
            [.. options.Projections.Where(p => Node.ProjectionSets.All[p].Kind == ProjectionKind.Aggregate).Concat(options.Projections.SelectMany(p => Node.ProjectionSets.All[p].Tables))]);
        var reading = views.RunAsync(TimeSpan.FromMilliseconds(20), stopReading.Token);
        var injector = new FaultInjector(server, cluster, options, random, log, pooler, tenants);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        while (clock.Elapsed < options.Duration)
        {
            await injector.InjectAsync(options.Faults, cancellationToken);
            var gap = options.FaultGap.Min + ((options.FaultGap.Max - options.FaultGap.Min) * random.NextDouble());
            await Task.Delay(gap, cancellationToken);
        }

        log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} faults stopped after {injector.Injected.Count}; every node running; writers stopping");
        await injector.HealAsync(cancellationToken);
        if (tenants is not null)
        {
            await tenants.HealAsync(cancellationToken);
            await tenants.StopWritersAsync();
        }

        await cluster.StopWritersAsync();

        var liveness = await cluster.WaitForCatchUpAsync(options.CatchUpBound, cancellationToken);
        var tenantLiveness = tenants is null ? null : await tenants.WaitForCatchUpAsync(options.CatchUpBound, cancellationToken);
        await stopReading.CancelAsync();
        await reading;
        log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} view reads: {views.Reads}");
        var owners = await WaitForOneOwnerPerSlotAsync(cluster, cancellationToken);
        foreach (var node in cluster.Nodes)
        {
            await node.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        }

        var history = await cluster.ReadHistoryAsync(cancellationToken);
        var violations = new List<string>();
        violations.AddRange(InvariantChecker.CheckChains(history));
        violations.AddRange(InvariantChecker.CheckExactlyOnce(history));
        violations.AddRange(InvariantChecker.CheckOverlappingOwnership(history));
        violations.AddRange(cluster.Sampler.Violations);
        violations.AddRange(injector.Violations);
        violations.AddRange(views.Violations);
        if (liveness is { } late)
        {
            violations.Add($"I5 liveness: {late}");
        }

        if (owners is { } unowned)
        {
            violations.Add($"I5 after the faults stopped: {unowned}");
        }

        if (tenantLiveness is { } tenantsLate)
        {
            violations.Add($"I5 liveness: {tenantsLate}");
        }

        var tenantReport = "";
        if (tenants is not null)
        {
            (var tenantViolations, tenantReport) = await tenants.CheckAsync(cancellationToken);
            violations.AddRange(tenantViolations);
        }

        var report = ChaosReport.Write(seed, options, injector, history, cluster.Writers!, cluster.Sampler, violations) + tenantReport;
        var reportFile = Path.Combine(directory, "report.md");
        await File.WriteAllTextAsync(reportFile, report, cancellationToken);
        log.WriteLine(report);
        return new ChaosResult(seed, violations, InvariantChecker.CountRejectedStaleCommits(history), report, reportFile);
    }

    /// <summary>Null once every slot has exactly one lock holder; otherwise the last distribution after a few heartbeats.</summary>
    private static async Task<string?> WaitForOneOwnerPerSlotAsync(ClusterHarness cluster, CancellationToken cancellationToken)
    {
        // An acquisition may still be under way right after catch-up: allow a few heartbeats for one owner to settle.
        OwnershipSnapshot? snapshot = null;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                snapshot = await cluster.Sampler.SampleAsync(cancellationToken);
                if (snapshot.Unowned.Count == 0 && !snapshot.Doubled.Any())
                {
                    return null;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                // The server is still coming back.
            }

            await Task.Delay(250, cancellationToken);
        }

        return $"not every slot had exactly one lock holder within 10 s: {snapshot?.Describe() ?? "no sample"}";
    }
}
