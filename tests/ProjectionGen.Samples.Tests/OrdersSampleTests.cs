using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The sample's commands against a real server, as separate processes: the README's main job and the cluster commands.</summary>
public sealed class OrdersSampleTests(PostgresFixture postgres)
{
    [Fact]
    public async Task The_demo_survives_a_restart_a_crash_and_a_killed_lock_connection_and_verifies_exactly_once()
    {
        var (exitCode, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(4));
        Assert.Equal(0, exitCode);
        Assert.Contains("exactly-once verified", output, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL fast restart", output, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL crash", output, StringComparison.Ordinal);
        Assert.Contains("LOST order_summary", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_append_verify_and_status_work_against_a_given_server_with_several_nodes()
    {
        await using var database = await postgres.CreateDatabaseAsync("orders_cli");
        var connection = database.ConnectionString;
        var (appendExit, _) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", connection, "--streams", "40", "--events", "5", "--writers", "2");
        Assert.Equal(0, appendExit);

        await using var first = SampleApp.Start("node", "--connection", connection, "--node", "cli-1");
        await using var second = SampleApp.Start("node", "--connection", connection, "--node", "cli-2");
        var (moreExit, _) = await SampleApp.RunAsync(TimeSpan.FromMinutes(2), "append", "--connection", connection, "--streams", "20", "--events", "4");
        Assert.Equal(0, moreExit);

        // Both nodes project until verify sees every committed event in both read models.
        var verified = await VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2));

        Assert.True(verified, "verify never reported exactly-once");

        // Rebuild under the running nodes: the owner is fenced, some node replays from 0, and verify passes again.
        var (rebuildExit, rebuildOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "rebuild", "--connection", connection, "order_ledger");
        Assert.Equal(0, rebuildExit);
        Assert.Contains("order_ledger", rebuildOutput, StringComparison.Ordinal);
        Assert.True(await VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify never reported exactly-once after the rebuild");
        var (statusExit, status) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "status", "--connection", connection, "--json");
        Assert.Equal(0, statusExit);
        Assert.Contains("\"projection\": \"order_summary\"", status, StringComparison.Ordinal);
        Assert.Contains("\"projection\": \"order_ledger\"", status, StringComparison.Ordinal);
        Assert.Matches("\"owner\": \"cli-[12]\"", status);

        Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Lock acquired", first.Output + second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(connection).Password!, first.Output + second.Output, StringComparison.Ordinal);
    }

    private static async Task<bool> VerifiesWithinAsync(string connection, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var (exitCode, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "verify", "--connection", connection);
            if (exitCode == 0 && output.Contains("exactly-once verified", StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        return false;
    }
}
