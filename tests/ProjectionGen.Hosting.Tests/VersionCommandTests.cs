using System.Text.Json;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The command line's version commands on a hosted node (docs/versions.md): <c>rebuild --shadow</c> builds beside the
/// live table and switches readers, <c>switch-back</c> returns to the kept generation, <c>retire</c> drops it, and
/// <c>status --json</c> shows every generation.
/// </summary>
public sealed class VersionCommandTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Shadow_rebuild_switch_back_and_retire_from_the_command_line()
    {
        await using var database = await postgres.CreateDatabaseAsync("version_commands");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var host = HostedNode.Create(database.ConnectionString, "vc-" + Guid.NewGuid().ToString("N")[..6]);
        await host.StartAsync();
        await bed.AppendAsync(60, seed: 16);
        await ReadModels.WaitForCatchUpAsync(host.Status);

        // The shadow rebuild waits for the new generation by default: JSON lines, the start, progress, and the catch-up
        // (readers switched) last.
        var shadow = (await RunAsync(host, 0, "rebuild", "account_balance", "--shadow", "--json", "--timeout", "120s"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        Assert.Equal("started", shadow[0].GetProperty("event").GetString());
        Assert.Equal("v1b", shadow[0].GetProperty("generation").GetString());
        Assert.Equal("caughtUp", shadow[^1].GetProperty("event").GetString());
        Assert.True(shadow[^1].GetProperty("caughtUp").GetBoolean());
        Assert.All(shadow.Skip(1), line => Assert.True(line.GetProperty("position").GetInt64() <= line.GetProperty("head").GetInt64()));
        var live = (await host.Status.ReadClusterAsync(Ct)).Versions.Single(v => v.Projection == "account_balance" && v.Generation == "v1b");
        Assert.Equal("live", live.State);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balanceTable: "projectiongen.account_balance"));
        Assert.Contains("is live", await RunAsync(host, 1, "retire", "account_balance", "v1b"), StringComparison.Ordinal);
        Assert.Contains("event projection", await RunAsync(host, 1, "rebuild", "ledger", "--shadow"), StringComparison.Ordinal);

        var switchBack = await RunAsync(host, 0, "switch-back", "account_balance", "v1", "--timeout", "120s");
        Assert.Contains("Switching account_balance back to v1", switchBack, StringComparison.Ordinal);
        Assert.Contains("Caught up at position", switchBack, StringComparison.Ordinal);
        await WaitForLiveAsync(host, "v1");
        Assert.Contains("Retired generation v1b", await RunAsync(host, 0, "retire", "account_balance", "v1b"), StringComparison.Ordinal);
        using var status = JsonDocument.Parse(await RunAsync(host, 0, "status", "--json"));
        var generations = status.RootElement.GetProperty("versions").EnumerateArray().ToDictionary(v => v.GetProperty("generation").GetString()!, v => v.GetProperty("state").GetString());
        Assert.Equal("live", generations["v1"]);
        Assert.Equal("retired", generations["v1b"]);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balanceTable: "projectiongen.account_balance"));
    }

    private static async Task<string> RunAsync(HostedNode host, int exitCode, params string[] args)
    {
        var (exit, output) = await HostCommands.ProjectionsAsync(host.Host.Services, args);
        Assert.True(exit == exitCode, $"exit {exit}, expected {exitCode}: {output}");
        return output;
    }

    private static async Task WaitForLiveAsync(HostedNode host, string generation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await host.Status.ReadClusterAsync(Ct)).Versions.Any(v => v.Projection == "account_balance" && v.Generation == generation && v.State == "live"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"generation {generation} of account_balance did not go live within 60 s");
            await Task.Delay(50, Ct);
        }
    }
}
