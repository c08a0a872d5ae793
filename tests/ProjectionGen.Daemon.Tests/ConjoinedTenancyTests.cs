using System.Text.Json;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Conjoined tenancy on real PostgreSQL (docs/tenancy.md): tenants that use the same stream ids and the same document
/// ids, appended concurrently by several writers while two nodes project them; every tenant's single-stream documents,
/// multi-stream documents and ledger rows are exact and none crosses tenants; live aggregation reads the tenant's stream.
/// </summary>
public sealed class ConjoinedTenancyTests(PostgresFixture postgres)
{
    private static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web);

    private static readonly string[] Tenants = ["t1", "t2", "tenant-three"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EventStoreOptions Conjoined() => new() { Tenancy = TenancyStyle.Conjoined };

    private static IGeneratedProjection[] Projections() => [new AccountBalanceProjection(), new BranchTotalsProjection(), new TenantLedgerProjection()];

    [Fact]
    public async Task Tenants_appending_the_same_stream_ids_concurrently_get_exact_documents_and_ledger_rows_none_crossing()
    {
        await using var database = await postgres.CreateDatabaseAsync("conjoined");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await ExecuteAsync(dataSource, TenantLedgerProjection.CreateTableSql);
        var store = new PostgresEventStore(dataSource, Conjoined(), DaemonTestBed.Registry());

        // Some events before any node runs, the rest while two nodes project them.
        await WriteAsync(store, writersPerTenant: 1, appendsPerWriter: 20, seed: 1);
        var first = bed.CreateDaemon("node-a", Projections(), storeOptions: Conjoined());
        var second = bed.CreateDaemon("node-b", Projections(), storeOptions: Conjoined());
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        await WriteAsync(store, writersPerTenant: 3, appendsPerWriter: 40, seed: 2);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), "account_balance", "branch_totals", "tenant_ledger");

        var expected = await ExpectedAsync(store);
        Assert.Equal(Tenants.Length, expected.Balances.Keys.Select(k => k.Tenant).Distinct().Count());

        // Every tenant has the same stream ids and the same branch ids: a crossing would show as a wrong count or sum.
        Assert.All(Tenants, tenant => Assert.Contains(expected.Balances.Keys, k => k.Tenant == tenant && k.Id == "acct-0"));
        Assert.Equal(expected.Balances, await ReadDocumentsAsync(dataSource, "doc_account_balance"));
        Assert.Equal(expected.Branches, await ReadDocumentsAsync(dataSource, "doc_branch_totals"));
        Assert.Equal(expected.Ledger, await ReadLedgerAsync(dataSource));

        // The projection's view shows the tenant column (schema step 14's set_projection_view).
        await using (var view = dataSource.CreateCommand("SELECT count(DISTINCT tenant_id) FROM projectiongen.account_balance"))
        {
            Assert.Equal((long)Tenants.Length, (long)(await view.ExecuteScalarAsync(Ct))!);
        }

        // Live aggregation folds the tenant's stream only, and equals the tenant's document.
        foreach (var tenant in Tenants)
        {
            var live = await store.ForTenant(tenant).AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-0", cancellationToken: Ct);
            Assert.NotNull(live);
            Assert.Equal(expected.Balances[(tenant, "acct-0")], (live.Balance, live.Events, live.LastSequence));
        }

        Assert.Null(await store.ForTenant("no-such-tenant").AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-0", cancellationToken: Ct));

        // Without a tenant there is no stream to fold on a conjoined store.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-0", cancellationToken: Ct));
        Assert.Contains("ForTenant", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_letter_retried_on_a_conjoined_store_changes_only_its_tenants_document()
    {
        await using var database = await postgres.CreateDatabaseAsync("conjoineddl");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new PostgresEventStore(dataSource, Conjoined(), DaemonTestBed.Registry());
        await store.ForTenant("t1").AppendAsync("acct-1", [new Deposited("acct-1", 5)], ExpectedVersion.Any, cancellationToken: Ct);
        await store.ForTenant("t2").AppendAsync("acct-1", [new Deposited("acct-1", 700)], ExpectedVersion.Any, cancellationToken: Ct);
        var daemon = bed.CreateDaemon("solo", [new AccountBalanceProjection()], storeOptions: Conjoined());
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        await daemon.StopAsync(Ct);

        // A dead letter of t2's second event, retried by the operations API: it applies to t2's acct-1 only.
        var second = await store.ForTenant("t2").AppendAsync("acct-1", [new Deposited("acct-1", 40)], ExpectedVersion.Exactly(1), cancellationToken: Ct);
        await ExecuteAsync(
            dataSource,
            $"INSERT INTO projectiongen.dead_letters (projection, seq, stream_id, event_type, reason) VALUES ('account_balance', {second.LastSequence}, 'acct-1', 'x', 'test')");
        var deadLetters = new ProjectionGen.Operations.ProjectionDeadLetters(store, [new AccountBalanceProjection()]);
        var id = (await deadLetters.ReadAsync(10, Ct)).Single().Id;
        var result = await deadLetters.RetryAsync(id, Ct);
        Assert.NotNull(result);
        Assert.True(result.Applied, result.Error);

        var documents = await ReadDocumentsAsync(dataSource, "doc_account_balance");
        Assert.Equal((5, 1, 1L), documents[("t1", "acct-1")]);
        Assert.Equal(740, documents[("t2", "acct-1")].Balance);
        Assert.Equal(2, documents.Count);
    }

    private static async Task WriteAsync(PostgresEventStore store, int writersPerTenant, int appendsPerWriter, int seed)
    {
        await Task.WhenAll(Tenants.SelectMany((tenant, t) => Enumerable.Range(0, writersPerTenant).Select(writer => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + t * 100 + writer);
            var scoped = store.ForTenant(tenant);
            for (var i = 0; i < appendsPerWriter; i++)
            {
                var account = "acct-" + random.Next(6);
                var events = Enumerable.Range(0, random.Next(1, 4))
                    .Select(_ => random.Next(4) == 0 ? (object)new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100)))
                    .ToList();
                await scoped.AppendAsync(account, events, ExpectedVersion.Any, cancellationToken: Ct);
            }
        }, Ct))));
    }

    private sealed record Expected(
        Dictionary<(string Tenant, string Id), (int Balance, int Events, long LastSequence)> Balances,
        Dictionary<(string Tenant, string Id), (int Balance, int Events, long LastSequence)> Branches,
        List<(long Seq, string? Tenant, string Account, int Amount)> Ledger);

    /// <summary>What every projection must hold, folded here from the events in sequence order, per tenant.</summary>
    private static async Task<Expected> ExpectedAsync(PostgresEventStore store)
    {
        var mark = await store.ReadSafeHighWaterMarkAsync(Ct);
        var events = await store.ReadAllAsync(0, mark, int.MaxValue, null, Ct);
        var balances = new Dictionary<(string, string), (int, int, long)>();
        var branches = new Dictionary<(string, string), (int, int, long)>();
        var ledger = new List<(long, string?, string, int)>();
        foreach (var envelope in events)
        {
            var tenant = envelope.TenantId!;
            var (account, amount, withdrawal) = envelope.Data switch
            {
                Deposited d => (d.Account, d.Amount, false),
                Withdrawn w => (w.Account, -w.Amount, true),
                _ => throw new InvalidOperationException("unexpected event"),
            };
            Add(balances, (tenant, envelope.StreamId), amount, envelope.Sequence);
            Add(branches, (tenant, BranchTotalsProjection.Branch(account).ToString(System.Globalization.CultureInfo.InvariantCulture)), amount, envelope.Sequence);
            if (withdrawal)
            {
                Add(branches, (tenant, "-1"), amount, envelope.Sequence);
            }

            ledger.Add((envelope.Sequence, tenant, account, amount));
        }

        return new Expected(balances, branches, ledger);

        static void Add(Dictionary<(string, string), (int Balance, int Events, long Last)> into, (string, string) key, int amount, long sequence)
        {
            var (balance, count, _) = into.GetValueOrDefault(key);
            into[key] = (balance + amount, count + 1, sequence);
        }
    }

    private static async Task<Dictionary<(string Tenant, string Id), (int Balance, int Events, long LastSequence)>> ReadDocumentsAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand($"SELECT tenant_id, id, data::text FROM projectiongen.{table}");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var documents = new Dictionary<(string, string), (int, int, long)>();
        while (await reader.ReadAsync(Ct))
        {
            var document = JsonSerializer.Deserialize<AccountBalance>(reader.GetString(2), DocumentJson)!;
            documents.Add((reader.GetString(0), reader.GetString(1)), (document.Balance, document.Events, document.LastSequence));
        }

        return documents;
    }

    private static async Task<List<(long Seq, string? Tenant, string Account, int Amount)>> ReadLedgerAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT seq, tenant, account, amount FROM tenant_ledger ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<(long, string?, string, int)>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
