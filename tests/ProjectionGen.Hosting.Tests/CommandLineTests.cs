using System.Text.Json;
using Npgsql;
using ProjectionGen.Alerts;
using ProjectionGen.CommandLine;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// ProjectionGen.CommandLine inside a host (docs/operations.md, "Command line"): every <c>projections</c> command,
/// <c>db</c> and <c>events import</c>, their JSON, the progress of a rebuild, and the exit codes and one-line errors of
/// usage errors and failures; the tool's root without projection code.
/// </summary>
public sealed class CommandLineTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rebuild_waits_and_streams_its_progress_as_json_lines_ending_in_the_caught_up_position()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_rebuild");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var host = HostedNode.Create(database.ConnectionString, "cl-" + Guid.NewGuid().ToString("N")[..6]);
        await host.StartAsync();
        await bed.AppendAsync(3000, streams: 50, seed: 3);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        var head = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);

        var (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "rebuild", "ledger", "--json", "--timeout", "120s");
        Assert.True(exit == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("started", lines[0].GetProperty("event").GetString());
        Assert.Equal(head, lines[0].GetProperty("previousPosition").GetInt64());
        Assert.True(lines.Count >= 2, output);
        var progress = lines.Skip(1).ToList();
        Assert.All(progress, l => Assert.True(l.GetProperty("position").GetInt64() <= l.GetProperty("head").GetInt64(), output));
        Assert.Equal("caughtUp", progress[^1].GetProperty("event").GetString());
        Assert.True(progress[^1].GetProperty("caughtUp").GetBoolean());
        Assert.True(progress[^1].GetProperty("position").GetInt64() >= head, output);
        Assert.All(progress.Take(progress.Count - 1), l => Assert.False(l.GetProperty("caughtUp").GetBoolean()));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balanceTable: "projectiongen.account_balance"));

        // Redirected text output: plain lines, the last one the caught-up position.
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "rebuild", "account_balance", "--timeout", "120s");
        Assert.True(exit == 0, output);
        Assert.StartsWith("Rebuilding account_balance", output, StringComparison.Ordinal);
        Assert.Matches(@"Caught up at position \d+\.\s*$", output);
        Assert.DoesNotContain('\r', output);

        // --no-wait returns at once; --timeout ends a wait that cannot finish (no node runs) with exit 1, one line.
        await host.Host.StopAsync(Ct);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "rebuild", "ledger", "--no-wait");
        Assert.True(exit == 0, output);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "rebuild", "ledger", "--timeout", "2s");
        Assert.Equal(1, exit);
        Assert.Contains("error: not caught up within 2s", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_letters_history_drain_and_resume_from_the_host_with_hostile_text_made_inert()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_ops");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "co-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node);
        await host.StartAsync();
        await bed.AppendAsync(20, seed: 5);

        // A poison event on a stream whose id would drive a terminal: an escape sequence that sets the window title,
        // and a right-to-left override.
        const string hostile = "acct-\u001b]0;pwned\u0007-\u202etxt";
        await bed.Store.AppendAsync(hostile, [new Deposited(hostile, 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        await Eventually.HoldsAsync(() => host.Alerts.Alerts.Any(a => a is { Kind: ProjectionAlertKind.EventDeadLettered, Projection: "fragile" }), TimeSpan.FromSeconds(10), "the dead letter");

        var (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "list");
        Assert.True(exit == 0, output);
        Assert.Contains("acct-\\u001b]0;pwned\\u0007-\\u202etxt", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u202e', output);

        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "list", "--json");
        Assert.True(exit == 0, output);
        var entry = JsonDocument.Parse(output).RootElement.EnumerateArray().Single();
        Assert.Equal(hostile, entry.GetProperty("streamId").GetString());
        var id = entry.GetProperty("id").GetInt64();

        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, output);
        Assert.Contains("13 is unlucky", output, StringComparison.Ordinal);
        Assert.Contains("\"Amount\":13", output.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\u001b', output);

        // The handler still throws: the retry fails, is counted, and the dead letter stays.
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "retry", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, exit);
        Assert.Contains("failed again", output, StringComparison.Ordinal);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "discard", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, output);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "dead-letters", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, exit);
        Assert.Equal($"error: no dead letter with id {id}", output.Trim());

        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "history", "--json", "--since", "10m");
        Assert.True(exit == 0, output);
        var kinds = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains(kinds, k => k == ProjectionGen.Operations.ProjectionHistoryKinds.Acquired);

        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "drain", node, "--json");
        Assert.True(exit == 0, output);
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("draining").GetBoolean());
        Assert.True((await host.Status.ReadClusterAsync(Ct)).Nodes.Single().Draining);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "undrain", node);
        Assert.True(exit == 0, output);
        Assert.False((await host.Status.ReadClusterAsync(Ct)).Nodes.Single().Draining);
        (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, "resume", "fragile");
        Assert.True(exit == 0, output);
        Assert.Contains("has no paused slot", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_failures_exit_1_with_one_line_and_no_password()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_errors");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var host = HostedNode.Create(database.ConnectionString, "ce-" + Guid.NewGuid().ToString("N")[..6]);
        await host.StartAsync();
        await bed.AppendAsync(10, seed: 9);
        await ReadModels.WaitForCatchUpAsync(host.Status);

        foreach (var args in new[] { new[] { "projections" }, ["projections", "rebuild"], ["projections", "status", "--bogus"], ["projections", "nothing"], ["db", "assert", "extra"] })
        {
            var (usageExit, usage) = await HostCommands.RunAsync(host.Host.Services, args);
            Assert.True(usageExit == 2, string.Join(' ', args) + ": " + usage);
            Assert.Contains("error: ", usage, StringComparison.Ordinal);
            Assert.Contains("--help'", usage, StringComparison.Ordinal);
        }

        var (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["projections", "rebuild", "--help"]);
        Assert.Equal(0, exit);
        Assert.Contains("--no-wait", output, StringComparison.Ordinal);

        foreach (var (args, expected) in new[]
        {
            (new[] { "rebuild", "nope", "--no-wait" }, "nope"),
            (["retire", "account_balance", "v9"], "v9"),
            (["switch-back", "account_balance", "v9", "--no-wait"], "v9"),
            (["resume", "nope"], "unknown projection 'nope'"),
            (["drain", "nobody"], "no node named 'nobody'"),
        })
        {
            (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, args);
            Assert.True(exit == 1, string.Join(' ', args) + ": " + output);
            Assert.StartsWith("error: ", output, StringComparison.Ordinal);
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        // A wrong password, a database that does not exist, a server that is not there: one line, never the password;
        // the stack trace only with --verbose.
        const string password = "s3cret-Never-Printed";
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = password };
        var missing = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database" };
        var unreachable = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = 1, Password = password, Timeout = 3 };
        foreach (var connection in new[] { builder.ConnectionString, missing.ConnectionString, unreachable.ConnectionString })
        {
            await using var wrong = HostedNode.Create(connection, "wrong");
            (exit, output) = await HostCommands.ProjectionsAsync(wrong.Host.Services, "status");
            Assert.Equal(1, exit);
            Assert.StartsWith("error: ", output, StringComparison.Ordinal);
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain(password, output, StringComparison.Ordinal);
            Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, output, StringComparison.Ordinal);
            (exit, output) = await HostCommands.ProjectionsAsync(wrong.Host.Services, "status", "--verbose");
            Assert.Equal(1, exit);
            Assert.Contains("   at ", output, StringComparison.Ordinal);
            Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Db_assert_script_and_apply_and_events_import_through_the_host()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_db");
        await using var host = HostedNode.Create(database.ConnectionString, "cd-" + Guid.NewGuid().ToString("N")[..6]);

        var (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["db", "assert", "--json"]);
        Assert.True(exit == 3, output);
        var state = JsonDocument.Parse(output).RootElement;
        Assert.False(state.GetProperty("current").GetBoolean());
        Assert.Equal(0, state.GetProperty("version").GetInt32());
        Assert.NotEmpty(state.GetProperty("differences").EnumerateArray());

        (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["db", "script"]);
        Assert.True(exit == 0, output);
        Assert.Contains("BEGIN;", output, StringComparison.Ordinal);
        Assert.Contains("account_balance", output, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, output, StringComparison.Ordinal);

        (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["db", "apply"]);
        Assert.True(exit == 0, output);
        (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["db", "assert"]);
        Assert.True(exit == 0, output);
        Assert.StartsWith("The schema is current", output, StringComparison.Ordinal);

        // Events as JSON lines, through the store's append function.
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file,
            [
                """{"stream":"imp-1","streamType":"account","type":"deposited","body":{"Account":"imp-1","Amount":5}}""",
                """{"stream":"imp-1","streamType":"account","type":"deposited","body":{"Account":"imp-1","Amount":6}}""",
                """{"stream":"imp-2","streamType":"account","type":"deposited","body":{"Account":"imp-2","Amount":7}}""",
            ], Ct);
            (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["events", "import", "--file", file, "--json"]);
            Assert.True(exit == 0, output);
            var result = JsonDocument.Parse(output).RootElement;
            Assert.Equal(3, result.GetProperty("events").GetInt64());
            Assert.Equal(2, result.GetProperty("streams").GetInt64());
            Assert.Equal(3, await host.Store.ReadSafeHighWaterMarkAsync(Ct));

            await File.WriteAllLinesAsync(file, ["""{"stream":"imp-3","type":"deposited","body":{"Account":"imp-3","Amount":1}}""", "not json"], Ct);
            (exit, output) = await HostCommands.RunAsync(host.Host.Services, ["events", "import", "--file", file]);
            Assert.Equal(1, exit);
            Assert.Contains("line 2", output, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(3, await host.Store.ReadSafeHighWaterMarkAsync(Ct));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_tool_root_runs_what_needs_no_projection_code_and_refuses_the_rest_as_usage()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_tool");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var host = HostedNode.Create(database.ConnectionString, "ct-" + Guid.NewGuid().ToString("N")[..6]);
        await host.StartAsync();
        await bed.AppendAsync(10, seed: 2);
        await ReadModels.WaitForCatchUpAsync(host.Status);

        var (exit, output) = await ToolAsync("status", "--json", "--connection", database.ConnectionString);
        Assert.True(exit == 0, output);
        var projections = JsonDocument.Parse(output).RootElement.GetProperty("projections").EnumerateArray().Select(p => p.GetProperty("projection").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(ReadModels.Names, projections);

        (exit, output) = await ToolAsync("rebuild", "ledger", "--connection", database.ConnectionString);
        Assert.Equal(2, exit);
        (exit, output) = await ToolAsync("dead-letters", "retry", "1", "--connection", database.ConnectionString);
        Assert.Equal(2, exit);
        (exit, output) = await ToolAsync("status");
        Assert.True(exit == 2, output);
        Assert.Contains(ProjectionGenCommands.ConnectionEnvironmentVariable, output, StringComparison.Ordinal);
        (exit, output) = await ToolAsync("db", "assert", "--connection", database.ConnectionString);
        Assert.True(exit == 0, output);

        // A malformed connection string: one line that never quotes it (the parser's own message may).
        foreach (var malformed in new[] { "Host=localhost;Password='hunter2-quoted", "Host=localhost;Port=hunter2-port;Password=x", "hunter2-bare" })
        {
            (exit, output) = await ToolAsync("status", "--connection", malformed);
            Assert.Equal(1, exit);
            Assert.Equal("error: the connection string is not a valid Npgsql connection string", output.Trim());
        }

        // A host whose options are invalid (no connection string): the validator's message, exit 1.
        await using var unconfigured = HostedNode.Create(null, "nc");
        var (hostExit, hostOutput) = await HostCommands.ProjectionsAsync(unconfigured.Host.Services, "status");
        Assert.Equal(1, hostExit);
        Assert.Contains("ProjectionGen: ", hostOutput, StringComparison.Ordinal);
        Assert.Single(hostOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task RunProjectionGenCommandsAsync_runs_a_command_without_starting_the_host_and_runs_the_host_otherwise()
    {
        await using var database = await postgres.CreateDatabaseAsync("cli_host");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "ch-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node);

        // A command: its exit code, and the host's daemon never started (no node registered).
        Assert.Equal(ProjectionGenExitCodes.Ok, await host.Host.RunProjectionGenCommandsAsync(["projections", "status"], Ct));
        Assert.Equal(ProjectionGenExitCodes.Usage, await host.Host.RunProjectionGenCommandsAsync(["projections", "nothing"], Ct));
        Assert.Empty((await host.Status.ReadClusterAsync(Ct)).Nodes);

        // No command: the host runs (its node registers and projects) until it is stopped.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = host.Host.RunProjectionGenCommandsAsync([], stop.Token);
        await bed.AppendAsync(5, seed: 4);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        Assert.Equal(node, (await host.Status.ReadClusterAsync(Ct)).Nodes.Single().Name);
        await stop.CancelAsync();
        Assert.Equal(ProjectionGenExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    private static async Task<(int ExitCode, string Output)> ToolAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await ProjectionGenCommands.InvokeAsync(ProjectionGenCommands.CreateToolRootCommand(), args, output, output, cancellationToken: Ct);
        return (exit, output.ToString());
    }
}
