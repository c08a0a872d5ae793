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
        var verified = await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2));

        Assert.True(verified, "verify never reported exactly-once");

        // Rebuild under the running nodes: the owner is fenced, some node replays from 0, and verify passes again.
        var (rebuildExit, rebuildOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "rebuild", "--connection", connection, "order_ledger");
        Assert.Equal(0, rebuildExit);
        Assert.Contains("order_ledger", rebuildOutput, StringComparison.Ordinal);
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify never reported exactly-once after the rebuild");
        var (statusExit, status) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "status", "--connection", connection, "--json");
        Assert.Equal(0, statusExit);
        Assert.Contains("\"projection\": \"order_summary\"", status, StringComparison.Ordinal);
        Assert.Contains("\"projection\": \"order_ledger\"", status, StringComparison.Ordinal);
        Assert.Matches("\"owner\": \"cli-[12]\"", status);

        // The event projection declares its table: a shadow rebuild builds a copy beside the live one and switches the
        // view projectiongen.order_ledger to it; then back to v1, and the kept v1b is retired (docs/versions.md).
        var (shadowExit, shadowOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "rebuild", "--connection", connection, "order_ledger", "--shadow");
        Assert.Equal(0, shadowExit);
        Assert.Contains("generation v1b", shadowOutput, StringComparison.Ordinal);
        Assert.True(await GenerationLiveWithinAsync(connection, "order_ledger", "v1b", TimeSpan.FromMinutes(2)), "order_ledger's v1b never went live");
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify never reported exactly-once after the shadow rebuild");
        var (backExit, _) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "switch-back", "--connection", connection, "order_ledger", "v1");
        Assert.Equal(0, backExit);
        Assert.True(await GenerationLiveWithinAsync(connection, "order_ledger", "v1", TimeSpan.FromMinutes(2)), "order_ledger's v1 never went live again");
        var (retireExit, retireOutput) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "retire", "--connection", connection, "order_ledger", "v1b");
        Assert.Equal(0, retireExit);
        Assert.Contains("Retired generation v1b of order_ledger", retireOutput, StringComparison.Ordinal);
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify never reported exactly-once after the switch back");

        var firstExit = await first.TerminateAsync(TimeSpan.FromSeconds(30));
        var secondExit = await second.TerminateAsync(TimeSpan.FromSeconds(30));
        TestContext.Current.TestOutputHelper?.WriteLine($"node cli-1 (exit {firstExit}):\n{first.Output}\nnode cli-2 (exit {secondExit}):\n{second.Output}");
        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.Contains("Lock acquired", first.Output + second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(connection).Password!, first.Output + second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_serves_the_dashboard_on_the_given_port_without_the_connection_string()
    {
        await using var database = await postgres.CreateDatabaseAsync("orders_dash");
        var connection = database.ConnectionString;
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var node = SampleApp.Start("node", "--connection", connection, "--node", "dash-1", "--dashboard-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string? snapshot = null;
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(200, TestContext.Current.CancellationToken))
        {
            try
            {
                snapshot = await http.GetStringAsync("/projectiongen/api/snapshot", TestContext.Current.CancellationToken);
                if (snapshot.Contains("\"owner\":\"dash-1\"", StringComparison.Ordinal) && snapshot.Contains("order_ledger", StringComparison.Ordinal))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
        }

        Assert.NotNull(snapshot);
        Assert.Contains("\"owner\":\"dash-1\"", snapshot, StringComparison.Ordinal);
        var page = await http.GetAsync("/projectiongen", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<base href=\"/projectiongen/\">", html, StringComparison.Ordinal);
        Assert.Contains("text/javascript", (await http.GetAsync("/projectiongen/assets/app.js", TestContext.Current.CancellationToken)).Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);

        // Read-only: no action is mapped, and nothing served carries the connection string.
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.PostAsync("/projectiongen/api/actions/rebuild/order_ledger", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken)).StatusCode);
        var password = new Npgsql.NpgsqlConnectionStringBuilder(connection).Password!;
        Assert.DoesNotContain(password, snapshot + html + node.Output, StringComparison.Ordinal);
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<bool> GenerationLiveWithinAsync(string connection, string projection, string generation, TimeSpan timeout)
    {
        var live = new System.Text.RegularExpressions.Regex(
            $"\"projection\": \"{projection}\",\\s*\"generation\": \"{generation}\",\\s*\"version\": \\d+,\\s*\"state\": \"live\"");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var (exitCode, output) = await SampleApp.RunAsync(TimeSpan.FromMinutes(1), "projections", "status", "--connection", connection, "--json");
            if (exitCode == 0 && live.IsMatch(output))
            {
                return true;
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        return false;
    }
}
