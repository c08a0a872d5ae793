using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The <c>projectiongen</c> tool exactly as a user gets it: <c>dotnet tool install</c> from the packed local feed
/// (<see cref="PackedFeed"/>), then run as its own process against a real PostgreSQL server and a running cluster of
/// the Orders sample (docs/operations.md, "Command line"): the schema commands, the cluster commands, the exit codes
/// and the failure output, which never shows the connection string's password.
/// </summary>
[Collection(PackedFeedTests.Name)]
public sealed partial class ToolPackageTests(PackedFeed packed)
{
    private static readonly string[] SampleProjections = ["order_ledger", "order_summary", "sku_sales"];
    private static readonly string[] SampleNodes = ["n1", "n2", "n3"];

    [Fact]
    public void The_tool_and_command_line_packages_are_packed_and_the_tool_names_its_command()
    {
        Assert.True(File.Exists(Path.Combine(packed.Feed, $"ProjectionGen.CommandLine.{packed.Version}.nupkg")));
        var toolPackage = Path.Combine(packed.Feed, $"ProjectionGen.Tool.{packed.Version}.nupkg");
        Assert.True(File.Exists(toolPackage));

        using var zip = ZipFile.OpenRead(toolPackage);
        var settings = zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml");
        Assert.NotNull(settings);
        using var stream = settings.Open();
        var command = Assert.Single(XDocument.Load(stream).Descendants("Command"));
        Assert.Equal("projectiongen", command.Attribute("Name")?.Value);
        Assert.Equal("ProjectionGen.Tool.dll", command.Attribute("EntryPoint")?.Value);
        Assert.Contains($"tools/net10.0/any/ProjectionGen.Tool.dll", zip.Entries.Select(e => e.FullName));
    }

    [Fact]
    public async Task Db_assert_exits_3_behind_and_0_after_the_script_or_apply_and_the_script_is_what_apply_runs()
    {
        var tool = await packed.InstallToolAsync();

        // The installed command is the packed build of this run.
        var version = await ExternalCommand.RunSuccessfullyAsync(tool, ["--version"]);
        Assert.StartsWith(packed.Version, version.StandardOutput, StringComparison.Ordinal);

        await using var server = await LocalPostgres.StartAsync();
        foreach (var database in new[] { "tool_a", "tool_b", "tool_c" })
        {
            await server.CreateDatabaseAsync(database);
        }

        var work = Directory.CreateDirectory(Path.Combine(packed.Root, "db-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var a = server.ConnectionString("tool_a");
        var b = server.ConnectionString("tool_b");
        var c = server.ConnectionString("tool_c");

        // A, empty: not current, every migration due.
        var assertEmpty = await RunToolAsync(tool, server, "db", "assert", "--connection", a);
        Assert.Equal(3, assertEmpty.ExitCode);
        Assert.Contains("migration 1 is due", assertEmpty.StandardOutput, StringComparison.Ordinal);
        // The newest migration (the script's last "-- migration N:" line): B is made one migration behind it.
        var latest = MigrationNumbers().Matches(assertEmpty.StandardOutput).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Max();
        Assert.True(latest >= 14, assertEmpty.StandardOutput);
        var last = latest.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Its script (standard output holds the script and nothing else), which changes nothing by itself.
        var fullScript = await RunToolAsync(tool, server, "db", "script", "--connection", a);
        Assert.Equal(0, fullScript.ExitCode);
        var scriptLines = fullScript.StandardOutput.TrimEnd().Split('\n');
        Assert.StartsWith("-- ProjectionGen schema script", scriptLines[0], StringComparison.Ordinal);
        Assert.Equal("COMMIT;", scriptLines[^1]);
        Assert.Equal(3, (await RunToolAsync(tool, server, "db", "assert", "--connection", a)).ExitCode);

        // B: the script cut before the newest migration, so one migration behind.
        var cut = Array.FindIndex(scriptLines, line => line.StartsWith($"-- migration {last}:", StringComparison.Ordinal));
        Assert.True(cut > 0, $"no line starts with '-- migration {last}:' in the script");
        var behindScript = Path.Combine(work, "behind.sql");
        await File.WriteAllTextAsync(behindScript, string.Join('\n', scriptLines[..cut]) + "\nCOMMIT;\n", TestContext.Current.CancellationToken);
        await AssertPsqlRunsAsync(server, "tool_b", behindScript);

        var assertBehind = await RunToolAsync(tool, server, "db", "assert", "--connection", b);
        Assert.Equal(3, assertBehind.ExitCode);
        Assert.Equal([last], MigrationNumbers().Matches(assertBehind.StandardOutput).Select(m => m.Groups[1].Value).Distinct());

        // B's script holds the newest migration alone; psql runs it and B is current.
        var scriptB = await RunToolAsync(tool, server, "db", "script", "--connection", b);
        Assert.Equal(0, scriptB.ExitCode);
        Assert.Equal([$"-- migration {last}:"], scriptB.StandardOutput.Split('\n').Where(line => line.StartsWith("-- migration ", StringComparison.Ordinal)).Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)] + ":"));
        var upgradeScript = Path.Combine(work, "upgrade.sql");
        await File.WriteAllTextAsync(upgradeScript, scriptB.StandardOutput, TestContext.Current.CancellationToken);
        await AssertPsqlRunsAsync(server, "tool_b", upgradeScript);
        var assertUpgraded = await RunToolAsync(tool, server, "db", "assert", "--connection", b);
        Assert.Equal(0, assertUpgraded.ExitCode);
        Assert.Contains("The schema is current", assertUpgraded.StandardOutput, StringComparison.Ordinal);

        // C: db apply from nothing; current.
        var apply = await RunToolAsync(tool, server, "db", "apply", "--connection", c);
        Assert.Equal(0, apply.ExitCode);
        Assert.Contains($"applied migrations 1-{last}", apply.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await RunToolAsync(tool, server, "db", "assert", "--connection", c)).ExitCode);

        // The scripts gave B exactly the schema apply gave C, and the same version rows.
        var dumpB = await server.DumpSchemaAsync("tool_b", "projectiongen");
        Assert.Equal(await server.DumpSchemaAsync("tool_c", "projectiongen"), dumpB);
        Assert.Contains("CREATE TABLE projectiongen.events", dumpB, StringComparison.Ordinal);
        var versionsB = await VersionRowsAsync(server, "tool_b");
        Assert.Equal(await VersionRowsAsync(server, "tool_c"), versionsB);
        Assert.Equal(latest, versionsB.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // B's upgrade script a second time: refused by its guard, and nothing changed.
        var again = await server.PsqlAsync("tool_b", "-v", "ON_ERROR_STOP=1", "-q", "-f", upgradeScript);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("it has already run or the schema changed since", again.StandardError, StringComparison.Ordinal);
        Assert.Equal(dumpB, await server.DumpSchemaAsync("tool_b", "projectiongen"));
        Assert.Equal(versionsB, await VersionRowsAsync(server, "tool_b"));
    }

    [Fact]
    public async Task Status_history_drain_and_failures_against_a_running_sample_cluster()
    {
        var tool = await packed.InstallToolAsync();

        // The Orders sample, built from this repository into the test's folder: the cluster, not the app under test.
        var sampleOutput = Path.Combine(packed.Root, "sample");
        await ExternalCommand.RunSuccessfullyAsync(
            "dotnet",
            ["build", Path.Combine(packed.Repository, "samples", "Orders", "Orders.csproj"), "-c", "Release", "-nologo", "-v", "quiet", $"-p:Version={packed.Version}", "-o", sampleOutput],
            packed.Repository);
        var sample = Path.Combine(sampleOutput, "Orders.dll");

        await using var server = await LocalPostgres.StartAsync();
        await server.CreateDatabaseAsync("tool_cluster");
        var connection = server.ConnectionString("tool_cluster");
        Assert.Equal(0, (await RunToolAsync(tool, server, "db", "apply", "--connection", connection)).ExitCode);

        var nodes = new List<SampleNode>();
        try
        {
            foreach (var name in SampleNodes)
            {
                nodes.Add(SampleNode.Start(sample, connection, name));
            }

            await ExternalCommand.RunSuccessfullyAsync("dotnet", [sample, "append", "--connection", connection, "--streams", "20", "--events", "5"], timeout: TimeSpan.FromMinutes(2));

            // status --json: three nodes alive, every projection owned and caught up with the 100 events.
            using (var status = await WaitForStatusAsync(tool, server, connection, nodes, TimeSpan.FromSeconds(120), json =>
                       SampleNodes.All(name => json.RootElement.GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("name").GetString() == name && n.GetProperty("alive").GetBoolean()))
                       && SampleProjections.All(projection => json.RootElement.GetProperty("projections").EnumerateArray().Any(p =>
                           p.GetProperty("projection").GetString() == projection
                           && p.GetProperty("owner").ValueKind == JsonValueKind.String
                           && p.GetProperty("position").GetInt64() == 100))))
            {
                Assert.Equal(3, status.RootElement.GetProperty("nodes").GetArrayLength());
                Assert.Equal(SampleProjections, status.RootElement.GetProperty("projections").EnumerateArray().Select(p => p.GetProperty("projection").GetString()).Order());
            }

            // status as tables: the three nodes and the three slots.
            var table = await RunToolAsync(tool, server, "status", "--connection", connection);
            Assert.Equal(0, table.ExitCode);
            Assert.StartsWith("NODE", table.StandardOutput, StringComparison.Ordinal);
            foreach (var expected in SampleNodes.Concat(SampleProjections))
            {
                Assert.Matches(new Regex($"(?m)^{expected} "), table.StandardOutput);
            }

            // history --json parses: an array of the acquisitions so far.
            var history = await RunToolAsync(tool, server, "history", "--json", "--connection", connection);
            Assert.Equal(0, history.ExitCode);
            using (var entries = JsonDocument.Parse(history.StandardOutput))
            {
                Assert.Equal(JsonValueKind.Array, entries.RootElement.ValueKind);
                Assert.Contains(entries.RootElement.EnumerateArray(), e => e.GetProperty("kind").GetString() == "acquired");
            }

            // drain and undrain n1.
            var drain = await RunToolAsync(tool, server, "drain", "n1", "--connection", connection);
            Assert.Equal(0, drain.ExitCode);
            Assert.True(await NodeDrainingAsync(tool, server, connection, "n1"));
            var undrain = await RunToolAsync(tool, server, "undrain", "n1", "--connection", connection);
            Assert.Equal(0, undrain.ExitCode);
            Assert.False(await NodeDrainingAsync(tool, server, connection, "n1"));

            // The tool has no rebuild (it needs the projection's code): a usage error.
            var rebuild = await RunToolAsync(tool, server, "rebuild", "x", "--connection", connection);
            Assert.Equal(2, rebuild.ExitCode);
            Assert.Contains("'rebuild'", rebuild.StandardError, StringComparison.Ordinal);
            Assert.Contains("projectiongen --help", rebuild.StandardError, StringComparison.Ordinal);

            // No connection string at all: a usage error too.
            var none = await RunToolAsync(tool, server, "status");
            Assert.Equal(2, none.ExitCode);
            Assert.Contains("PROJECTIONGEN_CONNECTION", none.StandardError, StringComparison.Ordinal);

            // The connection string from PROJECTIONGEN_CONNECTION.
            var fromEnvironment = await RunToolAsync(tool, server, new Dictionary<string, string?> { ["PROJECTIONGEN_CONNECTION"] = connection }, "status");
            Assert.Equal(0, fromEnvironment.ExitCode);
            Assert.Matches(new Regex("(?m)^n2 "), fromEnvironment.StandardOutput);

            // A wrong password and an unreachable port: exit 1, one line "error: ...", no stack trace, no password.
            var wrongPassword = "Wrong" + Guid.NewGuid().ToString("N");
            var wrong = server.ConnectionString("tool_cluster", password: wrongPassword);
            var unreachable = server.ConnectionString("tool_cluster", port: FindFreePort());
            foreach (var bad in new[] { wrong, unreachable })
            {
                var failed = await RunToolAsync(tool, server, "status", "--connection", bad);
                Assert.Equal(1, failed.ExitCode);
                Assert.Equal("", failed.StandardOutput);
                var line = Assert.Single(failed.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("error: ", line, StringComparison.Ordinal);
                Assert.DoesNotContain(wrongPassword, failed.Output, StringComparison.Ordinal);
            }

            // With --verbose the stack trace follows, still without the password.
            var verbose = await RunToolAsync(tool, server, "status", "--verbose", "--connection", wrong);
            Assert.Equal(1, verbose.ExitCode);
            Assert.StartsWith("error: ", verbose.StandardError, StringComparison.Ordinal);
            Assert.Contains("   at ", verbose.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongPassword, verbose.Output, StringComparison.Ordinal);
        }
        finally
        {
            // SIGTERM every node (then a kill), also when the test failed; their logs help then.
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
                TestContext.Current.TestOutputHelper?.WriteLine($"--- node {node.Name}{Environment.NewLine}{Tail(node.Output)}");
            }
        }
    }

    /// <summary>Runs the installed tool without <c>PROJECTIONGEN_CONNECTION</c>; the server's password never appears in what it writes.</summary>
    private static Task<ExternalCommandResult> RunToolAsync(string tool, LocalPostgres server, params string[] arguments) =>
        RunToolAsync(tool, server, new Dictionary<string, string?> { ["PROJECTIONGEN_CONNECTION"] = null }, arguments);

    private static async Task<ExternalCommandResult> RunToolAsync(string tool, LocalPostgres server, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync(tool, arguments, environment: environment, timeout: TimeSpan.FromMinutes(2));
        Assert.DoesNotContain(server.Password, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=", result.Output, StringComparison.OrdinalIgnoreCase);
        return result;
    }

    private static async Task AssertPsqlRunsAsync(LocalPostgres server, string database, string script)
    {
        var result = await server.PsqlAsync(database, "-v", "ON_ERROR_STOP=1", "-q", "-f", script);
        Assert.True(result.ExitCode == 0, $"psql -f {Path.GetFileName(script)} exited with {result.ExitCode}: {result.Output}");
    }

    private static async Task<string> VersionRowsAsync(LocalPostgres server, string database)
    {
        var result = await server.PsqlAsync(database, "-At", "-c", "SELECT version, description, compatible_from FROM projectiongen.schema_version ORDER BY version");
        Assert.True(result.ExitCode == 0, result.Output);
        return result.StandardOutput;
    }

    /// <summary>Asks <c>status --json</c> every second until <paramref name="done"/> holds; fails with the last answer and the nodes' output after <paramref name="timeout"/>.</summary>
    private static async Task<JsonDocument> WaitForStatusAsync(string tool, LocalPostgres server, string connection, IReadOnlyList<SampleNode> nodes, TimeSpan timeout, Func<JsonDocument, bool> done)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var status = await RunToolAsync(tool, server, "status", "--json", "--connection", connection);
            Assert.Equal(0, status.ExitCode);
            last = status.StandardOutput;
            var json = JsonDocument.Parse(last);
            if (done(json))
            {
                return json;
            }

            json.Dispose();
            await Task.Delay(1000, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"status --json did not show the cluster ready within {timeout}:{Environment.NewLine}{last}{Environment.NewLine}"
            + string.Join(Environment.NewLine, nodes.Select(node => $"--- node {node.Name}{Environment.NewLine}{Tail(node.Output)}")));
        throw new InvalidOperationException("unreachable");
    }

    private static async Task<bool> NodeDrainingAsync(string tool, LocalPostgres server, string connection, string node)
    {
        var status = await RunToolAsync(tool, server, "status", "--json", "--connection", connection);
        Assert.Equal(0, status.ExitCode);
        using var json = JsonDocument.Parse(status.StandardOutput);
        return json.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == node).GetProperty("draining").GetBoolean();
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "..." + text[^6000..];

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"migration (\d+)")]
    private static partial Regex MigrationNumbers();
}
