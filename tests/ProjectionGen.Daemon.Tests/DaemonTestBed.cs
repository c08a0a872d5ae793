using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// An event store on a real database plus any number of daemon nodes in this process (each with its own connections),
/// a lifecycle log of every node, continuous writers, and the exactly-once check of the test projections.
/// </summary>
internal sealed partial class DaemonTestBed : IAsyncDisposable
{
    private static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web);

    private readonly NpgsqlDataSource dataSource;
    private readonly List<ProjectionDaemon> daemons = [];
    private readonly ILoggerFactory loggerFactory;
    private readonly TestOutputLoggerProvider logLines = new();

    private DaemonTestBed(string connectionString, NpgsqlDataSource dataSource, PostgresEventStore store, EventTypeRegistry types)
    {
        ConnectionString = connectionString;
        this.dataSource = dataSource;
        Store = store;
        Types = types;
        loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Information).AddProvider(logLines));
    }

    public string ConnectionString { get; }

    public PostgresEventStore Store { get; }

    public EventTypeRegistry Types { get; }

    /// <summary>How many lines with <paramref name="eventId"/> (see DaemonLog) the nodes have logged that mention <paramref name="text"/>.</summary>
    public int CountLogLines(int eventId, string text) =>
        logLines.Lines.Count(line => line.EventId == eventId && line.Message.Contains(text, StringComparison.Ordinal));

    /// <summary>Every lifecycle event of every node, in the order raised.</summary>
    public ConcurrentQueue<ProjectionLifecycleEventArgs> Lifecycle { get; } = new();

    public static async Task<DaemonTestBed> CreateAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var types = Registry();
        var store = new PostgresEventStore(dataSource, new EventStoreOptions(), types);
        await store.ApplySchemaAsync(Ct);
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        foreach (var sql in new[] { LedgerProjection.CreateTableSql, FragileProjection.CreateTableSql, GrowingFragileProjection.CreateTableSql, PausingProjection.CreateTableSql, ShardedLedgerProjection.CreateTableSql })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        return new DaemonTestBed(connectionString, dataSource, store, types);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A daemon node with its own store instance (as a separate process would have) and its own connections.</summary>
    public ProjectionDaemon CreateDaemon(string node, IEnumerable<IGeneratedProjection> projections, Action<ProjectionDaemonOptions>? configure = null, EventStoreOptions? storeOptions = null) =>
        Track(new ProjectionDaemon(NodeStore(storeOptions), projections, NodeOptions(node, configure), loggerFactory));

    private ProjectionDaemonOptions NodeOptions(string node, Action<ProjectionDaemonOptions>? configure)
    {
        var options = new ProjectionDaemonOptions { ConnectionString = ConnectionString, NodeName = node };
        configure?.Invoke(options);
        return options;
    }

    private PostgresEventStore NodeStore(EventStoreOptions? storeOptions = null) => new(dataSource, storeOptions ?? new EventStoreOptions(), Registry());

    private ProjectionDaemon Track(ProjectionDaemon daemon)
    {
        daemon.Lifecycle += (_, e) => Lifecycle.Enqueue(e);
        daemons.Add(daemon);
        return daemon;
    }

    public static IGeneratedProjection[] StandardProjections() => [new LedgerProjection(), new AccountBalanceProjection()];

    /// <summary>The test event types, with the generated upcasters (old deposit shapes are read as <see cref="Deposited"/>).</summary>
    public static EventTypeRegistry Registry() =>
        new EventTypeRegistry().Register<Deposited>().Register<Withdrawn>().AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All);

    /// <summary>Appends <paramref name="count"/> events spread over <paramref name="streams"/> accounts.</summary>
    public async Task AppendAsync(int count, int streams = 10, int seed = 1)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var account = "acct-" + random.Next(streams);
            object e = random.Next(4) == 0 ? new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100));
            await Store.AppendAsync(account, [e], ExpectedVersion.Any, cancellationToken: Ct);
        }
    }

    /// <summary>
    /// Writers appending until cancelled, through the bed's store or <paramref name="through"/> (a store of another data
    /// source, a pooler's for example); failures (a server or pooler restarting under them) are retried.
    /// </summary>
    public Task StartWriters(int writers, CancellationToken stop, int streams = 20, PostgresEventStore? through = null)
    {
        var store = through ?? Store;
        return Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer + 1000);
            while (!stop.IsCancellationRequested)
            {
                var account = "acct-" + random.Next(streams);
                var batch = Enumerable.Range(0, random.Next(1, 4))
                    .Select(_ => random.Next(5) == 0 ? (object)new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100)))
                    .ToList();
                try
                {
                    await store.AppendAsync(account, batch, ExpectedVersion.Any, cancellationToken: stop);
                    await Task.Delay(random.Next(1, 10), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
                {
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }, CancellationToken.None)));
    }

    /// <summary>Waits until every named projection's committed position has reached the store's current safe mark.</summary>
    public async Task WaitForCatchUpAsync(TimeSpan timeout, params string[] projections)
    {
        var deadline = DateTime.UtcNow + timeout;
        long mark = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                mark = await Store.ReadSafeHighWaterMarkAsync(Ct);
                var positions = await ReadPositionsAsync();
                if (projections.All(p => positions.TryGetValue(p, out var position) && position >= mark))
                {
                    return;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException)
            {
                // The server may still be coming back.
            }

            await Task.Delay(50, Ct);
        }

        var final = await ReadPositionsAsync();
        Assert.Fail($"Projections did not catch up to {mark} within {timeout}: {string.Join(", ", final.Select(p => $"{p.Key}={p.Value}"))}");
    }

    public async Task<Dictionary<string, long>> ReadPositionsAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT name, position FROM projectiongen.progress", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var positions = new Dictionary<string, long>();
        while (await reader.ReadAsync(Ct))
        {
            positions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return positions;
    }

    public async Task<(long Epoch, string? Owner)> ReadOwnershipAsync(string projection)
    {
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT epoch, owner FROM projectiongen.progress WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = projection });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        return await reader.ReadAsync(Ct) ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (0, null);
    }

    /// <summary>Waits until some node owns <paramref name="projection"/>; returns that node's name.</summary>
    /// <summary>
    /// Waits until placement has settled over the started daemons: every slot runs on exactly one node and each node runs
    /// the floor or the ceiling of its share.
    /// </summary>
    public static async Task WaitForBalanceAsync(TimeSpan timeout, params ProjectionDaemon[] nodes)
    {
        var deadline = DateTime.UtcNow + timeout;
        var running = new Dictionary<string, int>();
        while (DateTime.UtcNow < deadline)
        {
            var states = nodes.SelectMany(d => d.GetStates().Select(s => (d.NodeName, s))).ToList();
            var slots = states.Select(x => x.s.Projection).Distinct().Count();
            running = nodes.ToDictionary(d => d.NodeName, d => d.GetStates().Count(s => s.Status == AgentStatus.Running));
            var owners = states.Where(x => x.s.Status == AgentStatus.Running).GroupBy(x => x.s.Projection).ToList();
            if (owners.Count == slots && owners.All(g => g.Count() == 1)
                && running.Values.All(count => count >= slots / nodes.Length && count <= (slots + nodes.Length - 1) / nodes.Length))
            {
                return;
            }

            await Task.Delay(20, Ct);
        }

        Assert.Fail($"Placement did not settle within {timeout}: {string.Join(", ", running.Select(r => $"{r.Key}={r.Value}"))}");
    }

    public async Task<string> WaitForOwnerAsync(string projection, TimeSpan timeout, long minimumEpoch = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var running = daemons.SelectMany(d => d.GetStates().Where(s => s.Projection == projection && s.Status == AgentStatus.Running && s.Epoch >= minimumEpoch).Select(_ => d.NodeName)).ToList();
            if (running.Count == 1)
            {
                return running[0];
            }

            await Task.Delay(20, Ct);
        }

        throw new TimeoutException($"No node owned {projection} at epoch >= {minimumEpoch} within {timeout}.");
    }

    /// <summary>
    /// The exactly-once check: the ledger holds one row per handled event with its amount, and each account's balance
    /// document equals the fold of its events. Returns the discrepancies (empty when exact).
    /// </summary>
    public async Task<List<string>> VerifyExactlyOnceAsync(bool ledger = true, bool balances = true, string ledgerTable = "ledger", string balanceTable = "projectiongen.doc_account_balance")
    {
        var problems = new List<string>();
        var mark = await Store.ReadSafeHighWaterMarkAsync(Ct);
        var events = await Store.ReadAllAsync(0, mark, int.MaxValue, null, Ct);
        var expectedLedger = new Dictionary<long, int>();
        var expectedBalances = new Dictionary<string, AccountBalance>();
        foreach (var envelope in events)
        {
            var amount = envelope.Data switch
            {
                Deposited d => d.Amount,
                Withdrawn w => -w.Amount,
                _ => throw new InvalidOperationException($"Unexpected event {envelope.EventType}"),
            };
            expectedLedger[envelope.Sequence] = amount;
            if (expectedBalances.TryGetValue(envelope.StreamId, out var balance))
            {
                balance.Balance += amount;
                balance.Events++;
                balance.LastSequence = envelope.Sequence;
            }
            else
            {
                // Create on a deposit; a withdrawal first applies to a new, empty document (the generated default).
                expectedBalances[envelope.StreamId] = new AccountBalance { Balance = amount, Events = 1, LastSequence = envelope.Sequence };
            }
        }

        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        var ledgerRows = new Dictionary<long, List<int>>();
        await using (var command = new NpgsqlCommand($"SELECT seq, amount FROM {ledgerTable}", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                var seq = reader.GetInt64(0);
                if (!ledgerRows.TryGetValue(seq, out var amounts))
                {
                    ledgerRows[seq] = amounts = [];
                }

                amounts.Add(reader.GetInt32(1));
            }
        }

        foreach (var (seq, amount) in ledger ? expectedLedger : [])
        {
            if (!ledgerRows.TryGetValue(seq, out var rows))
            {
                problems.Add($"ledger: event {seq} missing");
            }
            else if (rows.Count != 1 || rows[0] != amount)
            {
                problems.Add($"ledger: event {seq} has rows [{string.Join(",", rows)}], expected [{amount}]");
            }
        }

        problems.AddRange(ledgerRows.Keys.Where(seq => !expectedLedger.ContainsKey(seq)).Select(seq => $"ledger: row for unknown event {seq}"));
        if (!balances)
        {
            return problems;
        }

        var documents = new Dictionary<string, AccountBalance>();
        await using (var command = new NpgsqlCommand($"SELECT id, data::text FROM {balanceTable}", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                documents[reader.GetString(0)] = JsonSerializer.Deserialize<AccountBalance>(reader.GetString(1), DocumentJson)!;
            }
        }

        foreach (var (account, expected) in expectedBalances)
        {
            if (!documents.TryGetValue(account, out var actual))
            {
                problems.Add($"balance: {account} missing");
            }
            else if (actual.Balance != expected.Balance || actual.Events != expected.Events || actual.LastSequence != expected.LastSequence)
            {
                problems.Add($"balance: {account} is {actual.Balance}/{actual.Events} events/last {actual.LastSequence}, expected {expected.Balance}/{expected.Events}/{expected.LastSequence}");
            }
        }

        problems.AddRange(documents.Keys.Where(a => !expectedBalances.ContainsKey(a)).Select(a => $"balance: unexpected document {a}"));
        return problems;
    }

    /// <summary>
    /// The multi-stream check: each branch document (and the withdrawals document) equals the fold of the events routed
    /// to it, in sequence order. Returns the discrepancies (empty when exact).
    /// </summary>
    public async Task<List<string>> VerifyBranchTotalsAsync()
    {
        var mark = await Store.ReadSafeHighWaterMarkAsync(Ct);
        var expected = new Dictionary<string, BranchTotal>(StringComparer.Ordinal);
        foreach (var envelope in await Store.ReadAllAsync(0, mark, int.MaxValue, null, Ct))
        {
            var (ids, amount) = envelope.Data switch
            {
                Deposited d => (new[] { BranchTotalsProjection.Branch(d.Account) }, d.Amount),
                Withdrawn w => (new[] { BranchTotalsProjection.Branch(w.Account), BranchTotalsProjection.Withdrawals }, -w.Amount),
                _ => throw new InvalidOperationException($"Unexpected event {envelope.EventType}"),
            };
            foreach (var id in ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                if (!expected.TryGetValue(id, out var total))
                {
                    // Create on a deposit; a withdrawal first applies to a new, empty document (the generated default).
                    expected[id] = total = new BranchTotal();
                }

                total.Balance += amount;
                total.Events++;
                total.LastSequence = envelope.Sequence;
            }
        }

        var actual = new Dictionary<string, BranchTotal>(StringComparer.Ordinal);
        await using (var connection = await dataSource.OpenConnectionAsync(Ct))
        await using (var command = new NpgsqlCommand("SELECT id, data::text FROM projectiongen.doc_branch_totals", connection))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                actual[reader.GetString(0)] = JsonSerializer.Deserialize<BranchTotal>(reader.GetString(1), DocumentJson)!;
            }
        }

        var problems = new List<string>();
        foreach (var (id, total) in expected)
        {
            if (!actual.TryGetValue(id, out var stored))
            {
                problems.Add($"branch_totals: {id} missing");
            }
            else if (stored.Balance != total.Balance || stored.Events != total.Events || stored.LastSequence != total.LastSequence)
            {
                problems.Add($"branch_totals: {id} is {stored.Balance}/{stored.Events} events/last {stored.LastSequence}, expected {total.Balance}/{total.Events}/{total.LastSequence}");
            }
        }

        problems.AddRange(actual.Keys.Where(id => !expected.ContainsKey(id)).Select(id => $"branch_totals: unexpected document {id}"));
        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in daemons)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await daemon.StopAsync(timeout.Token);
                await daemon.DisposeAsync();
            }
            catch (Exception e) when (e is NpgsqlException or IOException or OperationCanceledException)
            {
                // A server stopped by the test takes its sessions with it.
            }
        }

        loggerFactory.Dispose();
        await dataSource.DisposeAsync();
    }
}
