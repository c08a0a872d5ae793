using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// Node processes on one database, for the cluster acceptance tests and the benchmarks: starts and faults the nodes,
/// appends with the fault suite's writers, measures ownership from <c>pg_locks</c> (sampled in the background every
/// 250 ms and every 50 ms while waiting), and ends with the exactly-once, chain and overlap checks. Disposing kills
/// every node it started (SIGCONT first for stopped ones).
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(50);

    private readonly List<NodeProcess> nodes = [];
    private readonly CancellationTokenSource stopSampling = new();
    private readonly Task sampling = Task.CompletedTask;
    private CancellationTokenSource? stopWriters;
    private NpgsqlDataSource? writerSource;
    private Task? writing;

    private ClusterHarness(string connectionString, string directory, IReadOnlyList<string> projections, NpgsqlDataSource dataSource, PostgresEventStore store, bool backgroundSampling)
    {
        ConnectionString = connectionString;
        Directory = directory;
        Projections = projections;
        DataSource = dataSource;
        Store = store;
        Sampler = new OwnershipSampler(dataSource, new SlotMap(store.Schema, projections));
        if (backgroundSampling)
        {
            sampling = Sampler.RunAsync(TimeSpan.FromMilliseconds(250), stopSampling.Token);
        }
    }

    /// <summary>The <c>application_name</c> of the writers' sessions when they have a connection of their own.</summary>
    public const string WriterApplicationName = "chaos-writer";

    /// <summary>The <c>application_name</c> of the harness's own sessions (sampler, view reader, checks, operations).</summary>
    public const string ApplicationName = "cluster-harness";

    public string ConnectionString { get; }

    /// <summary>Where node logs and lifecycle histories go.</summary>
    public string Directory { get; }

    /// <summary>The projections whose slots are measured and checked.</summary>
    public IReadOnlyList<string> Projections { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgresEventStore Store { get; }

    public OwnershipSampler Sampler { get; }

    public IReadOnlyList<NodeProcess> Nodes => nodes;

    public ChaosWriters? Writers { get; private set; }

    public NodeProcess this[string name] => nodes.Single(n => n.Name == name);

    /// <summary>
    /// Applies the fault suite's schema on <paramref name="connectionString"/>'s database and starts sampling in the
    /// background (unless <paramref name="backgroundSampling"/> is off: a load measurement wants no extra queries).
    /// </summary>
    public static async Task<ClusterHarness> CreateAsync(string connectionString, IReadOnlyList<string> projections, string directory, CancellationToken cancellationToken, bool backgroundSampling = true)
    {
        System.IO.Directory.CreateDirectory(directory);
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = ClusterHarness.ApplicationName }.ConnectionString);
        try
        {
            await ChaosSchema.ApplyAsync(dataSource, cancellationToken);
            return new ClusterHarness(connectionString, directory, projections, dataSource, ChaosSchema.CreateStore(dataSource), backgroundSampling);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A node with these settings (its projections default to the harness's); not started. <paramref name="connectionString"/>
    /// replaces the harness's for this node (for example with other pool settings, or a pooler's);
    /// <paramref name="lockConnectionString"/>, when given, is the node's lock connection (direct, when the batches go
    /// through a pooler).
    /// </summary>
    public NodeProcess AddNode(string name, Func<NodeSettings, NodeSettings>? configure = null, string? connectionString = null, string? lockConnectionString = null)
    {
        var settings = new NodeSettings { Name = name, Projections = Projections };
        var node = new NodeProcess(configure?.Invoke(settings) ?? settings, connectionString ?? ConnectionString, Directory, lockConnectionString);
        nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Starts the fault suite's writers (some transactions held open, some rolled back), on the harness's connection or
    /// on <paramref name="connectionString"/> (a pooler's: their store then prepares no statements).
    /// </summary>
    public void StartWriters(int writers, int seed, string? connectionString = null)
    {
        stopWriters = new CancellationTokenSource();
        if (connectionString is null)
        {
            Writers = new ChaosWriters(Store, DataSource, seed);
        }
        else
        {
            writerSource ??= NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = WriterApplicationName }.ConnectionString);
            Writers = new ChaosWriters(ChaosSchema.CreateStore(writerSource, prepareStatements: false), writerSource, seed);
        }

        writing = Writers.RunAsync(writers, stopWriters.Token);
    }

    public async Task StopWritersAsync()
    {
        if (stopWriters is not null && writing is not null)
        {
            await stopWriters.CancelAsync();
            await writing;
            stopWriters.Dispose();
            stopWriters = null;
            writing = null;
        }
    }

    /// <summary>The nodes that run, are not stopped, and are not listed in <paramref name="except"/>.</summary>
    public IReadOnlyList<string> LiveNodes(params string[] except) =>
        [.. nodes.Where(n => n.IsRunning && !n.IsPaused && !except.Contains(n.Name)).Select(n => n.Name)];

    /// <summary>
    /// Samples every 50 ms until <paramref name="condition"/> holds and returns the time from <paramref name="since"/>
    /// (a <see cref="Stopwatch.GetTimestamp"/>) to that sample. Fails when it does not hold within
    /// <paramref name="bound"/>: it keeps waiting up to the bound again to tell "late" from "never", and the message has
    /// the distribution timeline and the nodes' last log lines.
    /// </summary>
    public async Task<TimeSpan> WaitForAsync(string what, Func<OwnershipSnapshot, bool> condition, long since, TimeSpan bound, CancellationToken cancellationToken)
    {
        var elapsed = await MeasureAsync(condition, since, 2 * bound, cancellationToken);
        if (elapsed is null)
        {
            throw new ClusterExpectationException($"{what}: not reached within {Seconds(2 * bound)} (bound {Seconds(bound)}); last: {Sampler.Latest?.Describe() ?? "no sample"}.{Diagnostics()}");
        }

        if (elapsed > bound)
        {
            throw new ClusterExpectationException($"{what}: reached after {Seconds(elapsed.Value)}, over the bound of {Seconds(bound)}.{Diagnostics()}");
        }

        return elapsed.Value;
    }

    /// <summary>
    /// Samples every 50 ms until <paramref name="condition"/> holds; the time from <paramref name="since"/> to that
    /// sample, or null when it did not hold within <paramref name="timeout"/> of <paramref name="since"/>.
    /// </summary>
    public async Task<TimeSpan?> MeasureAsync(Func<OwnershipSnapshot, bool> condition, long since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var giveUp = since + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < giveUp)
        {
            try
            {
                var sample = await Sampler.SampleAsync(cancellationToken);
                if (condition(sample))
                {
                    return Stopwatch.GetElapsedTime(since, sample.Timestamp);
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                // The server is restarting: sample again.
            }

            await Task.Delay(WaitPoll, cancellationToken);
        }

        return null;
    }

    /// <summary>Samples every 50 ms for <paramref name="duration"/>; fails at the first sample where <paramref name="condition"/> does not hold.</summary>
    public async Task HoldsForAsync(string what, Func<OwnershipSnapshot, bool> condition, TimeSpan duration, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var snapshot = await Sampler.SampleAsync(cancellationToken);
            if (!condition(snapshot))
            {
                throw new ClusterExpectationException($"{what}: broken after {Seconds(clock.Elapsed)}: {snapshot.Describe()}.{Diagnostics()}");
            }

            await Task.Delay(WaitPoll, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the writers, waits until every slot has reached the safe mark, and checks the run: exactly once (ledgers,
    /// counters, stream order), one chain per slot, no overlapping ownership in the audit trail, and every sampler
    /// violation. Returns the violations (empty for a pass).
    /// </summary>
    public async Task<IReadOnlyList<string>> FinishAsync(TimeSpan catchUpBound, CancellationToken cancellationToken)
    {
        await StopWritersAsync();
        var violations = new List<string>();
        if (await WaitForCatchUpAsync(catchUpBound, cancellationToken) is { } late)
        {
            violations.Add("I5 liveness: " + late);
        }

        var history = await ReadHistoryAsync(cancellationToken);
        violations.AddRange(InvariantChecker.CheckChains(history));
        violations.AddRange(InvariantChecker.CheckExactlyOnce(history));
        violations.AddRange(InvariantChecker.CheckOverlappingOwnership(history));
        violations.AddRange(Sampler.Violations);
        return violations;
    }

    /// <summary>The audit trail, read models, events and lifecycle histories so far.</summary>
    public Task<ChaosHistory> ReadHistoryAsync(CancellationToken cancellationToken) =>
        ChaosHistory.ReadAsync(DataSource, Store, [.. Projections], nodes.Select(n => n.HistoryFile), cancellationToken);

    /// <summary>Null when every slot reached the safe mark within the bound; otherwise what was behind.</summary>
    public async Task<string?> WaitForCatchUpAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        var behind = "no progress rows";
        var progressSql = $"SELECT name, position FROM {PostgresIdentifier.Parse(Store.Schema, "schema").Qualify("progress")}";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
                var mark = await Store.ReadSafeHighWaterMarkAsync(connection, cancellationToken);
                var positions = new Dictionary<string, long>(StringComparer.Ordinal);
                await using (var command = new NpgsqlCommand(progressSql, connection))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        positions[reader.GetString(0)] = reader.GetInt64(1);
                    }
                }

                // The slots the cluster runs now: after a version switch, the kept generation's slots stop where they are.
                var projected = (await Sampler.SampleAsync(cancellationToken)).AllSlots;
                var late = projected.Where(s => positions.GetValueOrDefault(s) < mark).ToList();
                if (late.Count == 0)
                {
                    return null;
                }

                behind = $"mark {mark}; behind: {string.Join(", ", late.Take(20).Select(s => $"{s}={positions.GetValueOrDefault(s)}"))}";
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                behind = "server unavailable: " + e.Message;
            }

            await Task.Delay(200, cancellationToken);
        }

        return $"not caught up within {Seconds(bound)}: {behind}";
    }

    /// <summary>The ownership timeline and the last lines of every node's log, for failure messages.</summary>
    public string Diagnostics(int logLines = 15)
    {
        var text = new StringBuilder();
        text.AppendLine().AppendLine("ownership timeline (pg_locks):").AppendLine(Sampler.Timeline());
        foreach (var node in nodes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {node.Name} ({(node.IsRunning ? node.IsPaused ? "stopped" : "running" : "not running")}), last log lines:");
            try
            {
                if (File.Exists(node.LogFile))
                {
                    using var stream = new FileStream(node.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    using var reader = new StreamReader(stream);
                    var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    foreach (var line in lines.TakeLast(logLines))
                    {
                        text.AppendLine(line);
                    }
                }
            }
            catch (IOException)
            {
                // The log is being rotated or written; the timeline above still helps.
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await StopWritersAsync();
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        await stopSampling.CancelAsync();
        await sampling;
        stopSampling.Dispose();
        await File.WriteAllTextAsync(Path.Combine(Directory, "ownership-timeline.txt"), Sampler.Timeline(int.MaxValue));
        await DataSource.DisposeAsync();
        if (writerSource is not null)
        {
            await writerSource.DisposeAsync();
        }
    }

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";
}
