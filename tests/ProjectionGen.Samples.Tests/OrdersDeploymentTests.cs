using Npgsql;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The sample deployed as docs/operations.md describes: behind a PgBouncer in transaction mode (<c>--lock-connection</c> and <c>--no-prepare</c>,
/// "Behind a connection pooler"), and upgrading a database of a sample release whose ledger table was
/// <c>public.order_ledger</c> ("Upgrading").
/// </summary>
public sealed class OrdersDeploymentTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Nodes_with_batches_and_appends_through_a_transaction_pooler_and_locks_direct_verify_exactly_once()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }

        await using var database = await postgres.CreateDatabaseAsync("orders_pooled");
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        var direct = database.ConnectionString;
        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name, Pooling = true }.ConnectionString;

        var (appendExit, appendOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", pooled, "--schema-connection", direct, "--no-prepare", "--streams", "40", "--events", "5", "--writers", "2");
        Assert.True(appendExit == 0, appendOutput);
        await using var first = SampleApp.Start("node", "--connection", pooled, "--lock-connection", direct, "--no-prepare", "--node", "pool-1");
        await using var second = SampleApp.Start("node", "--connection", pooled, "--lock-connection", direct, "--no-prepare", "--node", "pool-2");
        var (moreExit, moreOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", pooled, "--no-prepare", "--streams", "20", "--events", "4");
        Assert.True(moreExit == 0, moreOutput);

        var verified = await SampleApp.VerifiesWithinAsync(direct, TimeSpan.FromMinutes(2));
        var firstExit = await first.TerminateAsync(TimeSpan.FromSeconds(30));
        var secondExit = await second.TerminateAsync(TimeSpan.FromSeconds(30));
        TestContext.Current.TestOutputHelper?.WriteLine($"node pool-1 (exit {firstExit}):\n{first.Output}\nnode pool-2 (exit {secondExit}):\n{second.Output}");
        Assert.True(verified, "verify never reported exactly-once");
        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.DoesNotContain("Agent paused", first.Output + second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_earlier_releases_ledger_table_is_moved_with_its_rows_and_verify_names_the_table_it_reads()
    {
        await using var database = await postgres.CreateDatabaseAsync("orders_moved");
        var connection = database.ConnectionString;

        // What a sample release before the move left behind: its ledger in public, with rows.
        await using (var admin = new NpgsqlConnection(connection))
        {
            await admin.OpenAsync(Ct);
            await using var old = new NpgsqlCommand(
                "CREATE TABLE public.order_ledger (seq bigint NOT NULL, stream_id text NOT NULL, event_type text NOT NULL, amount numeric NOT NULL);"
                + "INSERT INTO public.order_ledger VALUES (1, 'order-a', 'order_placed', 10), (2, 'order-a', 'item_added', 2.5)", admin);
            await old.ExecuteNonQueryAsync(Ct);
        }

        var (appendExit, appendOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", connection, "--streams", "2", "--events", "2", "--writers", "1");
        Assert.True(appendExit == 0, appendOutput);
        Assert.Contains("moved the ledger table", appendOutput, StringComparison.Ordinal);

        await using (var admin = new NpgsqlConnection(connection))
        {
            await admin.OpenAsync(Ct);
            await using var check = new NpgsqlCommand("SELECT to_regclass('public.order_ledger') IS NULL, (SELECT count(*) FROM projectiongen.order_ledger)", admin);
            await using var reader = await check.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.True(reader.GetBoolean(0), "public.order_ledger is still there");
            Assert.Equal(2L, reader.GetInt64(1));
        }

        // verify reads the read models a node creates; its counts line names the ledger table it read (the two rows
        // planted above are no real projection's, so it need not pass).
        await using var node = SampleApp.Start("node", "--connection", connection, "--node", "moved-1");
        var verifyOutput = "";
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline && !verifyOutput.Contains("ledger rows", StringComparison.Ordinal); await Task.Delay(500, Ct))
        {
            (_, verifyOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "verify", "--connection", connection);
        }

        await node.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("(read from projectiongen.order_ledger)", verifyOutput, StringComparison.Ordinal);
    }
}
