using System.Diagnostics;
using Npgsql;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;
using ProjectionGen.Testing;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// One Jepsen-style run: a harness-owned PostgreSQL, node processes, continuous writers, seeded faults; then faults
/// stop, everything catches up, and the history is checked against the design notes' invariants.
/// </summary>
internal static class ChaosRunner
{
    private static readonly string[] Projections = ["chaos_counter", "chaos_ledger"];

    public static async Task<ChaosResult> RunAsync(ChaosOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var seed = options.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-seed{seed}"));
        Directory.CreateDirectory(directory);
        log.WriteLine($"chaos run: seed {seed}, {options.Duration.TotalSeconds:F0} s of faults, {options.Nodes} nodes, {options.Writers} writers{(options.Unfenced ? ", UNFENCED nodes" : "")}; output {directory}");

        await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { AllowExternal = false, MaxConnections = 300 }, cancellationToken);
        await using var database = await server.CreateDatabaseAsync("chaos", cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "chaos-runner" }.ConnectionString);
        await ChaosSchema.ApplyAsync(dataSource, cancellationToken);
        var store = ChaosSchema.CreateStore(dataSource);

        var nodes = Enumerable.Range(1, options.Nodes).Select(i => new NodeProcess($"n{i}", database.ConnectionString, directory, options.Unfenced)).ToList();
        try
        {
            nodes.ForEach(node => node.Start());
            using var stopWriters = new CancellationTokenSource();
            var writers = new ChaosWriters(store, dataSource, seed);
            var writing = writers.RunAsync(options.Writers, stopWriters.Token);
            var sampler = new LockSampler(dataSource);
            var sampling = sampler.RunAsync(stopWriters.Token);

            var injector = new FaultInjector(server, nodes, random, log);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            while (clock.Elapsed < options.Duration)
            {
                await injector.InjectAsync(options.Faults, cancellationToken);
                var gap = options.FaultGap.Min + ((options.FaultGap.Max - options.FaultGap.Min) * random.NextDouble());
                await Task.Delay(gap, cancellationToken);
            }

            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} faults stopped after {injector.Injected.Count}; every node running; writers stopping");
            foreach (var node in nodes.Where(n => !n.IsRunning))
            {
                node.Start();
            }

            await stopWriters.CancelAsync();
            await Task.WhenAll(writing, sampling);

            var liveness = await WaitForCatchUpAsync(dataSource, store, options.CatchUpBound, cancellationToken);
            var owners = await CountOwnersAsync(dataSource, store.Schema, cancellationToken);
            foreach (var node in nodes)
            {
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(30));
            }

            var history = await ChaosHistory.ReadAsync(dataSource, store, nodes.Select(n => n.HistoryFile), cancellationToken);
            var violations = new List<string>();
            violations.AddRange(InvariantChecker.CheckChains(history));
            violations.AddRange(InvariantChecker.CheckExactlyOnce(history));
            violations.AddRange(sampler.Violations);
            if (liveness is { } late)
            {
                violations.Add($"I5 liveness: {late}");
            }

            violations.AddRange(owners.Where(o => o.Value != 1).Select(o => $"I5 {o.Key} had {o.Value} lock holders after the faults stopped (expected 1)"));
            var report = ChaosReport.Write(seed, options, injector.Injected, history, writers, sampler, violations);
            var reportFile = Path.Combine(directory, "report.md");
            await File.WriteAllTextAsync(reportFile, report, cancellationToken);
            log.WriteLine(report);
            return new ChaosResult(seed, violations, InvariantChecker.CountRejectedStaleCommits(history), report, reportFile);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>Null when every projection reached the safe mark within the bound; otherwise what was behind.</summary>
    private static async Task<string?> WaitForCatchUpAsync(NpgsqlDataSource dataSource, PostgresEventStore store, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + bound;
        var behind = "no progress rows";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken);
                await using var command = new NpgsqlCommand("SELECT name, position FROM projectiongen.progress", connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var positions = new Dictionary<string, long>();
                while (await reader.ReadAsync(cancellationToken))
                {
                    positions[reader.GetString(0)] = reader.GetInt64(1);
                }

                if (Projections.All(p => positions.GetValueOrDefault(p) >= mark))
                {
                    return null;
                }

                behind = $"mark {mark}, positions {string.Join(", ", positions.Select(p => $"{p.Key}={p.Value}"))}";
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                behind = "server unavailable: " + e.Message;
            }

            await Task.Delay(200, cancellationToken);
        }

        return $"not caught up within {bound.TotalSeconds:F0} s: {behind}";
    }

    /// <summary>How many sessions hold each projection's advisory lock once the faults have stopped.</summary>
    private static async Task<Dictionary<string, int>> CountOwnersAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        // An acquisition may still be under way right after catch-up: allow a few heartbeats for one owner to settle.
        Dictionary<string, int> counts = [];
        for (var attempt = 0; attempt < 20; attempt++)
        {
            counts = [];
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            foreach (var projection in Projections)
            {
                var key = AdvisoryLockKey.ForProjection(schema, projection);
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid",
                    connection);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key.ClassId });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key.ObjId });
                counts[projection] = (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
            }

            if (counts.Values.All(c => c == 1))
            {
                break;
            }

            await Task.Delay(250, cancellationToken);
        }

        return counts;
    }
}
