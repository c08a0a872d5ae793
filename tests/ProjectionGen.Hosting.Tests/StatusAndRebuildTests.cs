using System.Text.Json;
using ProjectionGen.Alerts;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The <c>status</c> and <c>rebuild</c> commands against a running daemon.</summary>
public sealed class StatusAndRebuildTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_lists_owner_epoch_positions_lag_last_loss_and_dead_letters_as_table_and_json()
    {
        await using var database = await postgres.CreateDatabaseAsync("status");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = "st-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node);
        await host.StartAsync();
        await bed.AppendAsync(25, seed: 7);
        await bed.Store.AppendAsync("acct-poison", [new Deposited("acct-poison", 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        var mark = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);
        var poison = (await bed.Store.ReadAllAsync(0, mark, int.MaxValue, null, Ct)).Count(e => e.Data is Deposited { Amount: 13 });
        await Eventually.HoldsAsync(() => host.Alerts.Alerts.Count(a => a is { Kind: ProjectionAlertKind.EventDeadLettered, Projection: "fragile" }) == poison, TimeSpan.FromSeconds(10), "the dead-letter alerts");

        var json = await HostCommands.ProjectionsAsync(host.Host.Services, "status", "--json");
        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(node, document.RootElement.GetProperty("nodes").EnumerateArray().Single().GetProperty("name").GetString());
        var rows = document.RootElement.GetProperty("projections").EnumerateArray().ToDictionary(e => e.GetProperty("projection").GetString()!);
        Assert.Equal(ReadModels.Names, rows.Keys.Order(StringComparer.Ordinal));
        foreach (var row in rows.Values)
        {
            Assert.Equal(node, row.GetProperty("owner").GetString());
            Assert.True(row.GetProperty("ownerAlive").GetBoolean());
            Assert.True(row.GetProperty("epoch").GetInt64() >= 1);
            Assert.Equal(mark, row.GetProperty("position").GetInt64());
            Assert.Equal(mark, row.GetProperty("highWaterMark").GetInt64());
            Assert.Equal(0, row.GetProperty("lagEvents").GetInt64());
            Assert.Equal("running", row.GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.String, row.GetProperty("lastCommitAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("lastLossCause").ValueKind);
        }

        Assert.Equal(poison, rows["fragile"].GetProperty("deadLetterCount").GetInt64());
        Assert.Equal(0, rows["ledger"].GetProperty("deadLetterCount").GetInt64());

        var table = await HostCommands.ProjectionsAsync(host.Host.Services, "status");
        Assert.Equal(0, table.ExitCode);
        var lines = table.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        // The nodes first (a header and one node), then the slots (a header and three projections), then the generations
        // of the aggregate projections (a header and account_balance's v1, live; docs/versions.md).
        Assert.StartsWith("NODE", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(node, lines[1], StringComparison.Ordinal);
        Assert.StartsWith("PROJECTION", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("PROJECTION", lines[6], StringComparison.Ordinal);
        Assert.Matches(@"^account_balance\s+v1\s+1\s+live\s+doc_account_balance\s", lines[7]);
        Assert.Equal(8, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("ledger", StringComparison.Ordinal) && l.Contains(node, StringComparison.Ordinal));

        // While nobody holds its lock, the owner is shown as such.
        await host.Host.StopAsync(Ct);
        var stopped = await host.Status.ReadAsync(Ct);
        Assert.Contains($"{node} (no lock)", ProjectionStatusFormatter.ToTable(stopped), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_under_a_running_daemon_yields_a_correct_read_model_busy_and_idle()
    {
        await using var database = await postgres.CreateDatabaseAsync("rebuild");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var a = HostedNode.Create(database.ConnectionString, "rb-a-" + Guid.NewGuid().ToString("N")[..6]);
        await using var b = HostedNode.Create(database.ConnectionString, "rb-b-" + Guid.NewGuid().ToString("N")[..6]);
        await a.StartAsync();
        await b.StartAsync();
        await bed.AppendAsync(80, seed: 8);
        var before = await ReadModels.WaitForCatchUpAsync(a.Status);

        // Busy: writers keep appending while both read models are reset under their owners.
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);
        await Eventually.HoldsAsync(() => a.Logs.Lines.Concat(b.Logs.Lines).Count(l => l.EventId == 1001) >= 3, TimeSpan.FromSeconds(10), "owners");
        var ledger = await RebuildAsync(a, "ledger");
        var balance = await RebuildAsync(b, "account_balance");
        Assert.True(ledger.Epoch > before.Single(s => s.Projection == "ledger").Epoch);
        Assert.True(ledger.PreviousPosition > 0);
        await Eventually.HoldsAsync(
            () => a.Logs.Lines.Concat(b.Logs.Lines).Any(l => l.EventId == 1001 && l.Message.Contains("projection ledger", StringComparison.Ordinal) && l.Message.Contains($"epoch {ledger.Epoch + 1}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "ledger re-acquired after the rebuild");
        await stopWriters.CancelAsync();
        await writers;
        var minimum = new Dictionary<string, long> { ["ledger"] = ledger.Epoch + 1, ["account_balance"] = balance.Epoch + 1 };
        await ReadModels.WaitForCatchUpAsync(a.Status, minimum);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());

        // Idle: no new events, so the owner would never commit again; its node notices the newer epoch and lets go.
        var (linesOfA, linesOfB) = (a.Logs.Lines.Count, b.Logs.Lines.Count);
        var idle = await RebuildAsync(a, "ledger");
        await ReadModels.WaitForCatchUpAsync(a.Status, new Dictionary<string, long> { ["ledger"] = idle.Epoch + 1 });
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        // Either the cluster monitor (1107) or the ownership loop's own epoch check (1002, "epoch superseded") stopped the
        // idle owner, whichever read the new epoch first; both give the lock back the same way.
        Assert.Contains(a.Logs.Lines.Skip(linesOfA).Concat(b.Logs.Lines.Skip(linesOfB)), l => l.EventId == 1107
            || (l.EventId == 1002 && l.Message.Contains("projection ledger", StringComparison.Ordinal) && l.Message.Contains("epoch superseded", StringComparison.Ordinal)));

        // An event projection without a reset is refused, with the way out.
        var refused = await HostCommands.ProjectionsAsync(a.Host.Services, "rebuild", "fragile");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("implement IResettableProjection", refused.Output, StringComparison.Ordinal);
    }

    private static async Task<ProjectionRebuildResult> RebuildAsync(HostedNode node, string projection)
    {
        var output = await HostCommands.ProjectionsAsync(node.Host.Services, "rebuild", projection, "--json", "--no-wait");
        Assert.Equal(0, output.ExitCode);
        using var json = JsonDocument.Parse(output.Output);
        return new ProjectionRebuildResult(projection, json.RootElement.GetProperty("epoch").GetInt64(), json.RootElement.GetProperty("previousPosition").GetInt64(), null);
    }
}
