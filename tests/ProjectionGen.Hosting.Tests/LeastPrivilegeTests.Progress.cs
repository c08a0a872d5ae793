using System.Text;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The event import and the catch-up watch run as the runtime role holding the grants docs/operations.md lists.</summary>
public sealed partial class LeastPrivilegeTests
{
    /// <summary>
    /// With the runtime, append, operator and document-table grants of docs/operations.md ("Least privilege"): JSON lines
    /// imported (through <c>append_events</c>), a rebuild, and its catch-up watched to the end, all as the runtime role.
    /// </summary>
    [Fact]
    public async Task An_import_and_a_watched_rebuild_run_as_the_runtime_role_with_the_documented_grants()
    {
        await using var database = await postgres.CreateDatabaseAsync("leastprog");
        await ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStoreOptions(), HostedNode.Projections(), Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var guide = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "operations.md"), Ct);
        var runtime = await CreateRoleAsync(
            database,
            Block(guide, "runtime-grants") + Block(guide, "append-grants") + Block(guide, "operator-grants")
                + Block(guide, "document-table-grants").Replace("doc_your_projection", "doc_account_balance", StringComparison.Ordinal),
            "GRANT SELECT, INSERT, DELETE ON ledger, fragile_ledger TO {role}");
        var node = "lpp-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(runtime, node, options => options.ApplySchemaOnStartup = false);
        await host.StartAsync();

        await using var source = NpgsqlDataSource.Create(runtime);
        var store = new PostgresEventStore(source, new EventStoreOptions(), DaemonTestBed.Registry());
        var lines = new StringBuilder();
        for (var i = 1; i <= 30; i++)
        {
            lines.Append("{\"stream\":\"acct-imp-").Append(i % 4).Append("\",\"type\":\"deposited\",\"body\":{\"Account\":\"acct-imp-").Append(i % 4).Append("\",\"Amount\":").Append(i).AppendLine("}}");
        }

        var imported = await new ProjectionEventImporter(store).ImportAsync(new StringReader(lines.ToString()), new EventImportOptions { EventsPerTransaction = 8 }, cancellationToken: Ct);
        Assert.Equal((30L, 4L), (imported.Events, imported.Transactions));
        await ReadModels.WaitForCatchUpAsync(host.Status);

        var rebuilt = await new ProjectionRebuilder(store, HostedNode.Projections()).RebuildAsync("account_balance", Ct);
        CatchUpProgress? last = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await foreach (var sample in new ProjectionCatchUpWatcher(store).WatchRebuildAsync("account_balance", rebuilt.Epoch, TimeSpan.FromMilliseconds(50), timeout.Token))
        {
            last = sample;
        }

        Assert.NotNull(last);
        Assert.True(last.CaughtUp, last.ToString());
        Assert.Equal(imported.LastSequence, last.Position);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }
}
