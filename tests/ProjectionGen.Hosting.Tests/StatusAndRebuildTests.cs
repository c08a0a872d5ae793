using System.Text.Json;
using ProjectionGen.Alerts;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting.Tests.Projections;
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
        await ReadModels.CreateTablesAsync(database.ConnectionString);
        var node = "st-" + Guid.NewGuid().ToString("N")[..6];
        await using var host = HostedNode.Create(database.ConnectionString, node);
        await host.StartAsync();
        await ReadModels.AppendAsync(host.Store, 25, seed: 7);
        await host.Store.AppendAsync("acct-poison", [new Withdrawn("acct-poison", FussyProjection.PoisonAmount)], ExpectedVersion.Any, cancellationToken: Ct);
        await ReadModels.WaitForCatchUpAsync(host.Status);
        await Eventually.HoldsAsync(() => host.Alerts.Alerts.Any(a => a is { Kind: ProjectionAlertKind.EventDeadLettered, Projection: "fussy" }), TimeSpan.FromSeconds(10), "the dead-letter alert");

        var json = new StringWriter();
        Assert.Equal(0, await ProjectionGenCommandLine.RunAsync(host.Host.Services, ["status", "--json"], json, Ct));
        using var document = JsonDocument.Parse(json.ToString());
        var rows = document.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("projection").GetString()!);
        Assert.Equal(ReadModels.Names, rows.Keys.Order(StringComparer.Ordinal));
        var mark = await host.Store.ReadSafeHighWaterMarkAsync(Ct);
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

        Assert.Equal(1, rows["fussy"].GetProperty("deadLetterCount").GetInt64());
        Assert.Equal(0, rows["ledger"].GetProperty("deadLetterCount").GetInt64());

        var table = new StringWriter();
        Assert.Equal(0, await ProjectionGenCommandLine.RunAsync(host.Host.Services, ["status"], table, Ct));
        var lines = table.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("PROJECTION", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
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
        await ReadModels.CreateTablesAsync(database.ConnectionString);
        await using var a = HostedNode.Create(database.ConnectionString, "rb-a-" + Guid.NewGuid().ToString("N")[..6]);
        await using var b = HostedNode.Create(database.ConnectionString, "rb-b-" + Guid.NewGuid().ToString("N")[..6]);
        await a.StartAsync();
        await b.StartAsync();
        await ReadModels.AppendAsync(a.Store, 80, seed: 8);
        var before = await ReadModels.WaitForCatchUpAsync(a.Status);

        // Busy: writers keep appending while both read models are reset under their owners.
        using var stopWriters = new CancellationTokenSource();
        var writers = ReadModels.WriteUntilAsync(b.Store, stopWriters.Token);
        await Eventually.HoldsAsync(() => a.Logs.Lines.Concat(b.Logs.Lines).Count(l => l.EventId == 1001) >= 3, TimeSpan.FromSeconds(10), "owners");
        var ledger = await RebuildAsync(a, "ledger");
        var balance = await RebuildAsync(b, "balance");
        Assert.True(ledger.Epoch > before.Single(s => s.Projection == "ledger").Epoch);
        Assert.True(ledger.PreviousPosition > 0);
        await Eventually.HoldsAsync(
            () => a.Logs.Lines.Concat(b.Logs.Lines).Any(l => l.EventId == 1001 && l.Message.Contains("projection ledger", StringComparison.Ordinal) && l.Message.Contains($"epoch {ledger.Epoch + 1}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "ledger re-acquired after the rebuild");
        await stopWriters.CancelAsync();
        await writers;
        var minimum = new Dictionary<string, long> { ["ledger"] = ledger.Epoch + 1, ["balance"] = balance.Epoch + 1 };
        await ReadModels.WaitForCatchUpAsync(a.Status, minimum);
        Assert.Empty(await ReadModels.VerifyExactlyOnceAsync(database.ConnectionString, a.Store));

        // Idle: no new events, so the owner would never commit again; its node notices the newer epoch and lets go.
        var idle = await RebuildAsync(a, "ledger");
        await ReadModels.WaitForCatchUpAsync(a.Status, new Dictionary<string, long> { ["ledger"] = idle.Epoch + 1 });
        Assert.Empty(await ReadModels.VerifyExactlyOnceAsync(database.ConnectionString, a.Store));
        Assert.Contains(a.Logs.Lines.Concat(b.Logs.Lines), l => l.EventId == 1107);

        // An event projection without a reset is refused, with the way out.
        var refused = new StringWriter();
        Assert.Equal(1, await ProjectionGenCommandLine.RunAsync(a.Host.Services, ["rebuild", "fussy"], refused, Ct));
        Assert.Contains("implement IResettableProjection", refused.ToString(), StringComparison.Ordinal);
    }

    private static async Task<ProjectionRebuildResult> RebuildAsync(HostedNode node, string projection)
    {
        var output = new StringWriter();
        Assert.Equal(0, await ProjectionGenCommandLine.RunAsync(node.Host.Services, ["rebuild", projection, "--json"], output, Ct));
        using var json = JsonDocument.Parse(output.ToString());
        return new ProjectionRebuildResult(projection, json.RootElement.GetProperty("epoch").GetInt64(), json.RootElement.GetProperty("previousPosition").GetInt64(), null);
    }
}
