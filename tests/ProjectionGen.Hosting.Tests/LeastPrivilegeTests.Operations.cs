using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Versions;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Every operator's action run as the runtime role holding exactly the grants docs/operations.md lists for it.</summary>
public sealed partial class LeastPrivilegeTests
{
    /// <summary>
    /// With the runtime, operator and document-table grants of docs/operations.md ("Least privilege"): a drain and its
    /// undo, a resume, and the dead letters listed, retried (once failing again, once applied) and discarded all run as
    /// the runtime role, with no permission error, and the read models stay exactly once. (The in-place rebuilds:
    /// <see cref="A_runtime_role_whose_schema_is_current_starts_appends_and_rebuilds_with_the_documented_grants_only"/>.)
    /// </summary>
    [Fact]
    public async Task Cluster_and_dead_letter_actions_run_as_the_runtime_role_with_the_documented_grants()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastops");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "operator-grants")
                + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal),
            "GRANT SELECT, INSERT, DELETE ON ledger, fragile_ledger TO {role}");

        var node = "lpo-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(runtime, node, options => options.ApplySchemaOnStartup = false);
        await host.StartAsync();
        await bed.AppendAsync(40, seed: 11);
        await bed.Store.AppendAsync("acct-poison", [new Deposited("acct-poison", 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await ReadModels.WaitForCatchUpAsync(host.Status);

        // The cluster: drain and undrain this node, resume a projection (none of its slots is paused: the statement runs).
        await using (var source = NpgsqlDataSource.Create(runtime))
        {
            var store = new PostgresEventStore(source, new EventStoreOptions(), DaemonTestBed.Registry());
            var cluster = new ProjectionClusterOperations(store);
            Assert.True(await cluster.DrainAsync(node, Ct));
            Assert.True(await cluster.UndrainAsync(node, Ct));
            Assert.Empty(await cluster.ResumeAsync("fragile", Ct));

            // The dead letters: the poison event's is listed, retried (the handler fails again), and discarded.
            var deadLetters = new ProjectionDeadLetters(store, HostedNode.Projections());
            var poison = await WaitForDeadLetterAsync(deadLetters, 13);
            var again = await deadLetters.RetryAsync(poison.Id, Ct);
            Assert.NotNull(again);
            Assert.False(again.Applied);
            Assert.Contains("13 is unlucky", again.Error, StringComparison.Ordinal);
            Assert.True(await deadLetters.DiscardAsync(poison.Id, Ct));

            // A dead letter whose handler now succeeds (its row taken out of fragile_ledger and the dead letter planted
            // by the test's superuser): the retry applies it as the runtime role.
            long planted;
            await using (var admin = new NpgsqlConnection(database.ConnectionString))
            {
                await admin.OpenAsync(Ct);
                await using var plant = new NpgsqlCommand(
                    "WITH taken AS (DELETE FROM fragile_ledger WHERE seq = (SELECT max(seq) FROM fragile_ledger) RETURNING seq) "
                    + "INSERT INTO projectiongen.dead_letters (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts) "
                    + "SELECT 'fragile', e.seq, e.stream_id, e.type, 1, 'planted', 'planted by the test', 'planted', 1 FROM projectiongen.events e JOIN taken USING (seq) RETURNING seq",
                    admin);
                planted = (long)(await plant.ExecuteScalarAsync(Ct))!;
            }

            var entry = (await deadLetters.ReadAsync(cancellationToken: Ct)).Single(d => d.Sequence == planted);
            var applied = await deadLetters.RetryAsync(entry.Id, Ct);
            Assert.NotNull(applied);
            Assert.True(applied.Applied, applied.Error);
            Assert.DoesNotContain(await deadLetters.ReadAsync(cancellationToken: Ct), d => d.Sequence == planted || d.Id == poison.Id);
        }

        await bed.AppendAsync(10, seed: 12);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.DoesNotContain(host.Logs.Lines, l => l.Message.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
            || (l.Exception ?? "").Contains("42501", StringComparison.Ordinal));
    }

    /// <summary>
    /// The version actions (shadow rebuild, switch-back, retire) write <c>projection_versions</c> and create and drop
    /// generation tables: the runtime role, which may only read <c>projection_versions</c> (docs/operations.md), is
    /// refused each with 42501 and nothing changes; the schema owner runs them while a node of the runtime role builds
    /// the shadow generation and switches readers to it and back, exactly once.
    /// </summary>
    [Fact]
    public async Task Version_actions_are_refused_to_the_runtime_role_and_run_as_the_schema_owner_while_runtime_nodes_build_and_switch()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastver");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "operator-grants")
                + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal),
            "GRANT SELECT, INSERT, DELETE ON ledger, fragile_ledger TO {role}");
        var node = "lpv-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(runtime, node, options => options.ApplySchemaOnStartup = false);
        await host.StartAsync();
        await bed.AppendAsync(40, seed: 21);
        await ReadModels.WaitForCatchUpAsync(host.Status);

        await using (var source = NpgsqlDataSource.Create(runtime))
        {
            var asRuntime = new ProjectionVersionOperations(new PostgresEventStore(source, new EventStoreOptions(), DaemonTestBed.Registry()), HostedNode.Projections());
            foreach (var action in new Func<Task>[]
            {
                () => asRuntime.StartShadowRebuildAsync("account_balance", Ct),
                () => asRuntime.SwitchBackAsync("account_balance", "v1b", Ct),
                () => asRuntime.RetireAsync("account_balance", "v1b", Ct),
            })
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(action);
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
        }

        var owner = new ProjectionVersionOperations(bed.Store, HostedNode.Projections());
        Assert.Equal("v1b", await owner.StartShadowRebuildAsync("account_balance", Ct));
        await WaitForGenerationAsync(host, "account_balance", "v1b", ProjectionVersionStates.Live);
        // The shadow generation readers were switched to holds every event, once: nothing dead-lettered on the way (its
        // table gets the live table's grants; before, every event was dead-lettered with 42501 and readers were switched
        // to an empty table).
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: "projectiongen.doc_account_balance_v1b"));
        Assert.Empty(await new ProjectionDeadLetters(bed.Store, HostedNode.Projections()).ReadAsync(cancellationToken: Ct));
        await owner.SwitchBackAsync("account_balance", "v1", Ct);
        await WaitForGenerationAsync(host, "account_balance", "v1", ProjectionVersionStates.Live);
        await owner.RetireAsync("account_balance", "v1b", Ct);
        await WaitForGenerationAsync(host, "account_balance", "v1b", ProjectionVersionStates.Retired);

        await bed.AppendAsync(10, seed: 22);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.DoesNotContain(host.Logs.Lines, l => l.Message.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
            || (l.Exception ?? "").Contains("42501", StringComparison.Ordinal));
    }

    private static async Task WaitForGenerationAsync(HostedNode host, string projection, string generation, string state)
    {
        var operations = new ProjectionVersionOperations(host.Store, HostedNode.Projections());
        var seen = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(100, Ct))
        {
            var versions = await operations.ReadAsync(Ct);
            seen = string.Join(", ", versions.Where(v => v.Projection == projection).Select(v => $"{v.Generation} {v.State}"));
            if (versions.Any(v => v.Projection == projection && v.Generation == generation && v.State == state))
            {
                return;
            }
        }

        Assert.Fail($"{projection} {generation} never became {state}: {seen}");
    }

    private static async Task<DeadLetterEntry> WaitForDeadLetterAsync(ProjectionDeadLetters deadLetters, int amount)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100, Ct))
        {
            var entries = await deadLetters.ReadAsync(cancellationToken: Ct);
            if (entries.FirstOrDefault(d => d.Projection == "fragile" && d.Payload is { } payload && payload.Contains(amount.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)) is { } entry)
            {
                return entry;
            }
        }

        Assert.Fail("the poison event was never dead-lettered");
        return null!;
    }
}
