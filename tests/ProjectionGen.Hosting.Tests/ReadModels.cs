using System.Text.Json;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting.Tests.Projections;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The test application's side: its read-model table, its writers, catch-up waits and the exactly-once check.</summary>
internal static class ReadModels
{
    public static readonly string[] Names = ["balance", "fussy", "ledger"];

    private static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task CreateTablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(LedgerProjection.CreateTableSql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public static async Task AppendAsync(PostgresEventStore store, int count, int seed, int streams = 8)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var account = "acct-" + random.Next(streams);
            object e = random.Next(4) == 0 ? new Withdrawn(account, random.Next(1, 12)) : new Deposited(account, random.Next(1, 100));
            await store.AppendAsync(account, [e], ExpectedVersion.Any, cancellationToken: Ct);
        }
    }

    /// <summary>Appends until <paramref name="stop"/> is cancelled.</summary>
    public static Task WriteUntilAsync(PostgresEventStore store, CancellationToken stop) => Task.Run(async () =>
    {
        var seed = 100;
        while (!stop.IsCancellationRequested)
        {
            await AppendAsync(store, 5, seed++);
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }, CancellationToken.None);

    /// <summary>Waits until every projection is owned, running and at the high-water mark (each at or above its minimum epoch).</summary>
    public static async Task<IReadOnlyList<ProjectionStatus>> WaitForCatchUpAsync(ProjectionStatusReader reader, IReadOnlyDictionary<string, long>? minimumEpochs = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<ProjectionStatus> statuses = [];
        while (DateTime.UtcNow < deadline)
        {
            statuses = await reader.ReadAsync(Ct);
            if (Names.All(name => statuses.Any(s => s.Projection == name && s.OwnerAlive && s.State == "running" && s.Position >= s.HighWaterMark && s.HighWaterMark > 0
                && s.Epoch >= (minimumEpochs?.GetValueOrDefault(name) ?? 1))))
            {
                return statuses;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail("Projections did not catch up: " + ProjectionStatusFormatter.ToTable(statuses));
        return statuses;
    }

    /// <summary>The ledger has one row per event and each balance document is the fold of its stream; returns the discrepancies.</summary>
    public static async Task<List<string>> VerifyExactlyOnceAsync(string connectionString, PostgresEventStore store)
    {
        var problems = new List<string>();
        var mark = await store.ReadSafeHighWaterMarkAsync(Ct);
        var events = await store.ReadAllAsync(0, mark, int.MaxValue, null, Ct);
        var expectedLedger = new Dictionary<long, int>();
        var expectedBalances = new Dictionary<string, Balance>();
        foreach (var envelope in events)
        {
            var amount = envelope.Data switch
            {
                Deposited d => d.Amount,
                Withdrawn w => -w.Amount,
                _ => throw new InvalidOperationException($"Unexpected event {envelope.EventType}"),
            };
            expectedLedger[envelope.Sequence] = amount;
            var balance = expectedBalances.TryGetValue(envelope.StreamId, out var existing) ? existing : expectedBalances[envelope.StreamId] = new Balance();
            balance.Amount += amount;
            balance.Events++;
            balance.LastSequence = envelope.Sequence;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        var rows = new Dictionary<long, List<int>>();
        await using (var command = new NpgsqlCommand("SELECT seq, amount FROM ledger", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                var seq = reader.GetInt64(0);
                (rows.TryGetValue(seq, out var list) ? list : rows[seq] = []).Add(reader.GetInt32(1));
            }
        }

        foreach (var (seq, amount) in expectedLedger)
        {
            if (!rows.TryGetValue(seq, out var found) || found.Count != 1 || found[0] != amount)
            {
                problems.Add($"ledger: event {seq} has rows [{string.Join(",", found ?? [])}], expected [{amount}]");
            }
        }

        problems.AddRange(rows.Keys.Where(seq => !expectedLedger.ContainsKey(seq)).Select(seq => $"ledger: row for unknown event {seq}"));
        var documents = new Dictionary<string, Balance>();
        await using (var command = new NpgsqlCommand("SELECT id, data::text FROM projectiongen.doc_balance", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                documents[reader.GetString(0)] = JsonSerializer.Deserialize<Balance>(reader.GetString(1), DocumentJson)!;
            }
        }

        foreach (var (account, expected) in expectedBalances)
        {
            if (!documents.TryGetValue(account, out var actual) || actual.Amount != expected.Amount || actual.Events != expected.Events || actual.LastSequence != expected.LastSequence)
            {
                problems.Add($"balance: {account} is {actual?.Amount}/{actual?.Events}/{actual?.LastSequence}, expected {expected.Amount}/{expected.Events}/{expected.LastSequence}");
            }
        }

        problems.AddRange(documents.Keys.Where(a => !expectedBalances.ContainsKey(a)).Select(a => $"balance: unexpected document {a}"));
        return problems;
    }
}
