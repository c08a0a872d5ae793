using System.Text.Json;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The sample's host with ProjectionGen.CommandLine (docs/operations.md, "Command line"): every <c>projections</c>
/// sub-command against three running node processes, their JSON, a usage error, and <c>rebuild --json</c> streaming its
/// progress to the caught-up position; <c>verify</c> exact after each action; <c>events import</c> of a body the code
/// cannot read, and the dead letters it leaves shown, retried and discarded.
/// </summary>
public sealed class OrdersCommandLineTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Command = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Every_projections_command_works_against_three_running_nodes()
    {
        await using var database = await postgres.CreateDatabaseAsync("orders_commands");
        var connection = database.ConnectionString;
        Assert.Equal(0, (await SampleApp.RunAsync(Command, "append", "--connection", connection, "--streams", "60", "--events", "8", "--writers", "2")).ExitCode);
        await using var first = SampleApp.Start("node", "--connection", connection, "--node", "cmd-1");
        await using var second = SampleApp.Start("node", "--connection", connection, "--node", "cmd-2");
        await using var third = SampleApp.Start("node", "--connection", connection, "--node", "cmd-3");
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify never reported exactly-once");

        // status --json: three live nodes, every slot owned by one of them.
        using (var status = JsonDocument.Parse(await RunOkAsync("projections", "status", "--connection", connection, "--json")))
        {
            var nodes = status.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            Assert.Equal(["cmd-1", "cmd-2", "cmd-3"], nodes.Select(n => n.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
            Assert.All(nodes, n => Assert.True(n.GetProperty("alive").GetBoolean()));
            Assert.All(status.RootElement.GetProperty("projections").EnumerateArray(), p => Assert.StartsWith("cmd-", p.GetProperty("owner").GetString(), StringComparison.Ordinal));
        }

        Assert.Contains("cmd-1", await RunOkAsync("projections", "status", "--connection", connection), StringComparison.Ordinal);

        // rebuild --json: the start, progress lines, and the caught-up position last.
        var rebuild = (await RunOkAsync("projections", "rebuild", "order_summary", "--connection", connection, "--json", "--timeout", "90s"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        Assert.Equal("started", rebuild[0].GetProperty("event").GetString());
        Assert.Equal("caughtUp", rebuild[^1].GetProperty("event").GetString());
        Assert.True(rebuild[^1].GetProperty("position").GetInt64() >= rebuild[0].GetProperty("previousPosition").GetInt64());
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify after the rebuild");

        // A shadow rebuild, a switch back and a retirement, each waiting for its catch-up.
        Assert.Contains("Caught up at position", await RunOkAsync("projections", "rebuild", "order_ledger", "--shadow", "--connection", connection, "--timeout", "90s"), StringComparison.Ordinal);
        Assert.Contains("Caught up at position", await RunOkAsync("projections", "switch-back", "order_ledger", "v1", "--connection", connection, "--timeout", "90s"), StringComparison.Ordinal);
        Assert.Contains("Retired generation v1b", await RunOkAsync("projections", "retire", "order_ledger", "v1b", "--connection", connection), StringComparison.Ordinal);
        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify after the versions");

        // Drain and undrain a node, resume (nothing paused), history, dead letters (none).
        using (var drained = JsonDocument.Parse(await RunOkAsync("projections", "drain", "cmd-2", "--connection", connection, "--json")))
        {
            Assert.True(drained.RootElement.GetProperty("draining").GetBoolean());
        }

        Assert.Contains("no longer draining", await RunOkAsync("projections", "undrain", "cmd-2", "--connection", connection), StringComparison.Ordinal);
        Assert.Contains("has no paused slot", await RunOkAsync("projections", "resume", "sku_sales", "--connection", connection), StringComparison.Ordinal);
        using (var history = JsonDocument.Parse(await RunOkAsync("projections", "history", "--connection", connection, "--json")))
        {
            Assert.Contains(history.RootElement.EnumerateArray(), e => e.GetProperty("kind").GetString() == "rebuilt");
        }

        Assert.Empty(JsonDocument.Parse(await RunOkAsync("projections", "dead-letters", "list", "--connection", connection, "--json")).RootElement.EnumerateArray());
        Assert.Contains("No dead letters", await RunOkAsync("projections", "dead-letters", "list", "--connection", connection), StringComparison.Ordinal);
        Assert.Contains("The schema is current", await RunOkAsync("db", "assert", "--connection", connection), StringComparison.Ordinal);

        // A usage error: exit 2 and where to look; an unknown projection: exit 1, one line.
        var (usageExit, usage) = await SampleApp.RunAsync(Command, "projections", "rebuild", "--connection", connection);
        Assert.Equal(2, usageExit);
        Assert.Contains("usage: see 'Orders projections rebuild --help'", usage, StringComparison.Ordinal);
        var (unknownExit, unknown) = await SampleApp.RunAsync(Command, "projections", "rebuild", "nope", "--connection", connection);
        Assert.Equal(1, unknownExit);
        Assert.StartsWith("error: ", unknown.Trim(), StringComparison.Ordinal);
        Assert.Single(unknown.Trim().Split('\n'));

        Assert.True(await SampleApp.VerifiesWithinAsync(connection, TimeSpan.FromMinutes(2)), "verify at the end");

        // events import writes a body the code cannot read (an order_placed whose id is a number): each projection
        // that reads it dead-letters it; show, retry (fails again) and discard work on it.
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """{"stream":"order-bad","streamType":"order","type":"order_placed","body":{"OrderId":17}}""" + "\n", TestContext.Current.CancellationToken);
            using (var imported = JsonDocument.Parse(await RunOkAsync("events", "import", "--file", file, "--connection", connection, "--json")))
            {
                Assert.Equal(1, imported.RootElement.GetProperty("events").GetInt64());
            }
        }
        finally
        {
            File.Delete(file);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<JsonElement> deadLetters;
        do
        {
            deadLetters = [.. JsonDocument.Parse(await RunOkAsync("projections", "dead-letters", "list", "--connection", connection, "--json")).RootElement.EnumerateArray()];
        }
        while (deadLetters.Count == 0 && DateTime.UtcNow < deadline);
        Assert.NotEmpty(deadLetters);
        var id = deadLetters[0].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var shown = await RunOkAsync("projections", "dead-letters", "show", id, "--connection", connection);
        Assert.Contains("cannot deserialize", shown, StringComparison.Ordinal);
        Assert.Contains("17", shown, StringComparison.Ordinal);
        var (retryExit, retried) = await SampleApp.RunAsync(Command, "projections", "dead-letters", "retry", id, "--connection", connection);
        Assert.True(retryExit == 1, retried);
        Assert.Contains("failed again", retried, StringComparison.Ordinal);
        Assert.Contains("discarded", await RunOkAsync("projections", "dead-letters", "discard", id, "--connection", connection), StringComparison.Ordinal);
        foreach (var node in new[] { first, second, third })
        {
            Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
    }

    private static async Task<string> RunOkAsync(params string[] arguments)
    {
        var (exit, output) = await SampleApp.RunAsync(Command, arguments);
        Assert.True(exit == 0, $"{string.Join(' ', arguments.Where(a => !a.Contains("Password", StringComparison.Ordinal)))} exited {exit}:\n{output}");
        return output;
    }
}
