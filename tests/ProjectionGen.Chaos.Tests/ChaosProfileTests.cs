using ProjectionGen.Chaos.Runner;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Chaos.Tests;

/// <summary>
/// The bounded CI profile of the fault-injection suite (the long profile is <c>build/chaos.sh --minutes 30</c>):
/// a fixed seed and a random one with every fault kind (membership changes included), a short pooler-mode run, the
/// paused- and hung-owner cases, and the proof that the checker fails when fencing is switched off; and tenant mode:
/// a run with the tenant faults, and the proof that the checker fails per tenant database.
/// </summary>
public sealed class ChaosProfileTests
{
    private static readonly string Output = Path.Combine(Path.GetTempPath(), "projectiongen-chaos-ci");

    [Fact]
    public async Task Fixed_seed_run_with_every_fault_kind_has_no_violation()
    {
        var result = await RunAsync(new ChaosOptions { Seed = 42, Duration = TimeSpan.FromSeconds(40) });
        Assert.True(result.Passed, Describe(result));
    }

    [Fact]
    public async Task Random_seed_run_with_every_fault_kind_has_no_violation()
    {
        var result = await RunAsync(new ChaosOptions { Duration = TimeSpan.FromSeconds(40) });
        Assert.True(result.Passed, Describe(result));
    }

    [Fact]
    public async Task Pooler_mode_run_with_pooler_restarts_has_no_violation()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }

        // Batches and appends through PgBouncer in transaction mode, locks direct: the pooler restarts and loses its
        // server connections among server and connection faults (seed 77 draws mostly the last two kinds). No
        // membership faults: their balance bounds are the other runs' concern, and a node process start on a loaded
        // CI machine is what they would measure here.
        var result = await RunAsync(new ChaosOptions
        {
            Seed = 77,
            Duration = TimeSpan.FromSeconds(20),
            Pooler = true,
            Faults = [FaultKind.TerminateBoth, FaultKind.ServerRestart, FaultKind.TerminateBatchConnections, FaultKind.PoolerRestart, FaultKind.TerminatePoolerBackends],
        });
        Assert.True(result.Passed, Describe(result));
        Assert.Contains("- mode: pooler", result.Report, StringComparison.Ordinal);
        Assert.True(
            result.Report.Contains("| PoolerRestart |", StringComparison.Ordinal) || result.Report.Contains("| TerminatePoolerBackends |", StringComparison.Ordinal),
            "No pooler fault was injected.\n" + result.Report);
    }

    [Fact]
    public async Task Paused_and_hung_owners_are_fenced_when_they_wake()
    {
        var result = await RunAsync(new ChaosOptions { Seed = 11, Duration = TimeSpan.FromSeconds(30), Faults = [FaultKind.TerminatePausedLock, FaultKind.HungNode], CommitDelay = StaleCommitWindow });
        Assert.True(result.Passed, Describe(result));
        Assert.True(result.RejectedStaleCommits > 0, "No stale commit was rejected: the pauses never caught an owner with a commit in hand.\n" + result.Report);
    }

    [Fact]
    public async Task The_checker_fails_when_fencing_is_switched_off()
    {
        // Hung owners, not briefly paused ones: a node paused for less than the placement fallback wakes before anyone
        // else has taken its slots, so its unfenced commit in hand duplicates nothing. A hung node's slots run on the
        // others while it sleeps, and the long commit delay makes it near certain to wake with a stale commit in hand.
        var result = await RunAsync(new ChaosOptions { Seed = 11, Duration = TimeSpan.FromSeconds(25), Faults = [FaultKind.HungNode], CommitDelay = StaleCommitWindow, Unfenced = true });
        Assert.False(result.Passed, "Unfenced nodes survived hung-owner faults without a violation: the checker proves nothing.\n" + result.Report);
        Assert.Contains(result.Violations, v => v.StartsWith("I2", StringComparison.Ordinal) || v.StartsWith("I1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tenant_mode_run_with_tenant_faults_has_no_violation_in_any_tenant_database()
    {
        // Four tenant databases over two servers, run by every node's TenantDatabaseNode (balanced): tenant databases
        // added, removed, removed and re-added, the tenant server held down, and a server restart; every tenant database
        // is checked on its own. No membership faults: their balance bounds are the other runs' concern. On a loaded
        // machine a tenant server's stop and start take long, so only some faults fit in the 20 s.
        var result = await RunAsync(new ChaosOptions
        {
            Seed = 23,
            Duration = TimeSpan.FromSeconds(20),
            Tenants = 4,
            Faults = [.. FaultInjector.TenantKinds, FaultKind.ServerRestart],
            FaultGap = (TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5)),
        });
        Assert.True(result.Passed, Describe(result));
        Assert.Contains("### Tenant databases (4:", result.Report, StringComparison.Ordinal);
        Assert.True(
            FaultInjector.TenantKinds.Any(k => result.Report.Contains($"| {k} |", StringComparison.Ordinal)),
            "No tenant fault was injected.\n" + result.Report);
    }

    [Fact]
    public async Task The_checker_fails_per_tenant_database_when_the_tenant_daemons_are_unfenced()
    {
        // As The_checker_fails_when_fencing_is_switched_off, with three tenant databases (one per node): a hung node's
        // tenant database moves to another node (the master registry evicts it) and its slots there are taken (the
        // tenant database's registry evicts it); it wakes with unfenced commits in hand, and the checker must name the
        // tenant database.
        var result = await RunAsync(new ChaosOptions { Seed = 11, Duration = TimeSpan.FromSeconds(40), Faults = [FaultKind.HungNode], CommitDelay = StaleCommitWindow, Unfenced = true, Tenants = 3 });
        Assert.False(result.Passed, "Unfenced nodes survived hung-owner faults without a violation.\n" + result.Report);
        Assert.Contains(result.Violations, v => v.StartsWith("tenant tenant-", StringComparison.Ordinal) && (v.Contains(": I2 ", StringComparison.Ordinal) || v.Contains(": I1 ", StringComparison.Ordinal)));
    }

    /// <summary>The guard-to-commit pause of the nodes in the stale-commit tests: most of a busy agent's time.</summary>
    private static readonly TimeSpan StaleCommitWindow = TimeSpan.FromMilliseconds(300);

    private static async Task<ChaosResult> RunAsync(ChaosOptions options)
    {
        using var log = new StringWriter();
        try
        {
            return await ChaosRunner.RunAsync(options with { OutputDirectory = Output }, log, TestContext.Current.CancellationToken);
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());
        }
    }

    private static string Describe(ChaosResult result) =>
        $"seed {result.Seed}: {result.Violations.Count} violations\n{result.Report}";
}
