using System.Diagnostics;
using System.Globalization;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// One acceptance scenario: a fresh database on the assembly's server, a <see cref="ClusterHarness"/> of node
/// processes on it, and the measured times, written to the test output and appended to a timings file. Disposing it
/// kills every node process the scenario started, also when the test failed.
/// </summary>
internal sealed class ClusterScenario : IAsyncDisposable
{
    /// <summary>Where every scenario appends its measured times (one line each), for the report.</summary>
    public static readonly string TimingsFile = Path.Combine(Path.GetTempPath(), "projectiongen-cluster-tests", "timings.txt");

    private readonly TestDatabase database;
    private readonly string name;

    private ClusterScenario(string name, TestDatabase database, ClusterHarness cluster)
    {
        this.name = name;
        this.database = database;
        Cluster = cluster;
    }

    public ClusterHarness Cluster { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<ClusterScenario> StartAsync(PostgresFixture fixture, string name, IReadOnlyList<string> projections)
    {
        var database = await fixture.CreateDatabaseAsync("cluster");
        var directory = Path.Combine(Path.GetTempPath(), "projectiongen-cluster-tests", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{name}");
        try
        {
            var cluster = await ClusterHarness.CreateAsync(database.ConnectionString, projections, directory, Ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"node logs and histories: {directory}");
            return new ClusterScenario(name, database, cluster);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds the nodes with these names (settings from <paramref name="configure"/>), not started.</summary>
    public IReadOnlyList<NodeProcess> AddNodes(IEnumerable<string> names, Func<NodeSettings, NodeSettings>? configure = null) =>
        [.. names.Select(n => Cluster.AddNode(n, configure))];

    /// <summary>Waits for <paramref name="condition"/> within <paramref name="bound"/> of <paramref name="since"/>, and records the time.</summary>
    public async Task<TimeSpan> ExpectAsync(string what, Func<OwnershipSnapshot, bool> condition, long since, TimeSpan bound)
    {
        var elapsed = await Cluster.WaitForAsync(what, condition, since, bound, Ct);
        Record($"{what}: {ClusterHarness.Seconds(elapsed)} (bound {ClusterHarness.Seconds(bound)})");
        return elapsed;
    }

    /// <summary>Expects exactly these slot counts per node (every slot held once, other nodes hold nothing).</summary>
    public Task<TimeSpan> ExpectCountsAsync(string what, IReadOnlyDictionary<string, int> counts, long since, TimeSpan bound) =>
        ExpectAsync($"{what} ({string.Join("/", counts.Values)})", s => s.Is(counts), since, bound);

    /// <summary>Expects the slots balanced over exactly <paramref name="nodes"/>.</summary>
    public Task<TimeSpan> ExpectBalancedAsync(string what, IReadOnlyCollection<string> nodes, long since, TimeSpan bound) =>
        ExpectAsync($"{what} (balanced over {string.Join(",", nodes)})", s => s.IsBalanced(nodes), since, bound);

    /// <summary>Writes a measured fact to the test output and the timings file.</summary>
    public void Record(string line)
    {
        var stamped = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} [{name}] {line}");
        TestContext.Current.TestOutputHelper?.WriteLine(stamped);
        Directory.CreateDirectory(Path.GetDirectoryName(TimingsFile)!);
        File.AppendAllLines(TimingsFile, [stamped]);
    }

    /// <summary>Stops the writers, lets everything catch up, and asserts the run's invariants (exactly once first among them).</summary>
    public async Task AssertExactlyOnceAsync(TimeSpan? catchUpBound = null)
    {
        var clock = Stopwatch.StartNew();
        var violations = await Cluster.FinishAsync(catchUpBound ?? TimeSpan.FromSeconds(60), Ct);
        var history = await Cluster.ReadHistoryAsync(Ct);
        Record($"checked: {history.Events.Count} events, {history.Audit.Count} batches, {history.Ledgers.Count} ledgers, {history.Aggregates.Count} aggregates, "
            + $"{Cluster.Sampler.Samples} pg_locks samples, {violations.Count} violations ({clock.Elapsed.TotalSeconds:F1} s)");
        Assert.True(history.Events.Count > 0, "The writers appended nothing: the check would prove nothing.");
        Assert.True(violations.Count == 0, $"{violations.Count} violations:\n{string.Join("\n", violations.Take(40))}\n{Cluster.Diagnostics()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await database.DisposeAsync();
    }
}
