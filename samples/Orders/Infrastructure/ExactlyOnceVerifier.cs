using System.Text.Json;
using Npgsql;
using Orders.Events;
using Orders.Projections;

namespace Orders.Infrastructure;

/// <summary>
/// Checks that every sample read model equals the fold of all committed events: one ledger row per event (no
/// duplicate, no gap), each order summary equal to its stream's fold, each product's sales equal to the fold of its
/// items across every order (multi-stream), and every event stored in an old shape read as the current type.
/// </summary>
internal static class ExactlyOnceVerifier
{
    /// <summary>The projections the verifier checks.</summary>
    public static readonly string[] Projections = ["order_summary", "order_ledger", "sku_sales"];

    public sealed record Result(long Events, long LedgerRows, int Summaries, int SkuSales, long UpcastEvents, IReadOnlyList<string> Problems)
    {
        public bool Verified => Problems.Count == 0;
    }

    /// <summary>Checks the whole database (every tenant's events together when it is conjoined).</summary>
    public static async Task<Result> VerifyAsync(OrdersDatabase database, CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(database, cancellationToken);
        return Check(loaded, loaded.Events, tenant: null);
    }

    /// <summary>
    /// Checks each tenant of a conjoined database on its own: its events against its own documents (documents are keyed by
    /// tenant and id) and the ledger rows of its events, ordered by tenant id. Events without a tenant count as tenant "".
    /// </summary>
    public static async Task<IReadOnlyList<(string Tenant, Result Result)>> VerifyTenantsAsync(OrdersDatabase database, CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(database, cancellationToken);
        var tenants = loaded.Events.Select(e => e.TenantId ?? "")
            .Concat(loaded.Summaries.Keys.Select(k => k.Tenant))
            .Concat(loaded.Sales.Keys.Select(k => k.Tenant))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return [.. tenants.Select(t => (t, Check(loaded, [.. loaded.Events.Where(e => string.Equals(e.TenantId ?? "", t, StringComparison.Ordinal))], t)))];
    }

    private sealed record Loaded(
        long Mark,
        IReadOnlyList<ProjectionGen.EventEnvelope> Events,
        Dictionary<string, long> Positions,
        Dictionary<long, int> Ledger,
        Dictionary<(string Tenant, string Id), OrderSummary> Summaries,
        Dictionary<(string Tenant, string Id), SkuSales> Sales);

    private static async Task<Loaded> LoadAsync(OrdersDatabase database, CancellationToken cancellationToken)
    {
        var mark = await database.Store.ReadSafeHighWaterMarkAsync(cancellationToken);
        var events = await database.Store.ReadAllAsync(0, mark, int.MaxValue, null, cancellationToken);

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        var positions = await ReadPositionsAsync(connection, cancellationToken);
        var ledger = new Dictionary<long, int>();
        await using (var command = new NpgsqlCommand($"SELECT seq, count(*) FROM {OrdersDatabase.LedgerTable} GROUP BY seq", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ledger[reader.GetInt64(0)] = (int)reader.GetInt64(1);
            }
        }

        // A conjoined store's document tables are keyed by (tenant_id, id); a store without tenancy has no tenant column.
        var tenantColumn = database.Conjoined ? "tenant_id" : "''";
        var summaries = new Dictionary<(string, string), OrderSummary>();
        await using (var command = new NpgsqlCommand($"SELECT {tenantColumn}, id, data::text FROM projectiongen.doc_order_summary", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                summaries[(reader.GetString(0), reader.GetString(1))] = JsonSerializer.Deserialize(reader.GetString(2), VerifierJson.Default.OrderSummary)!;
            }
        }

        var sales = new Dictionary<(string, string), SkuSales>();
        await using (var command = new NpgsqlCommand($"SELECT {tenantColumn}, id, data::text FROM projectiongen.doc_sku_sales", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sales[(reader.GetString(0), reader.GetString(1))] = JsonSerializer.Deserialize(reader.GetString(2), VerifierJson.Default.SkuSales)!;
            }
        }

        return new Loaded(mark, events, positions, ledger, summaries, sales);
    }

    /// <summary>Checks <paramref name="events"/> (all of them, or one tenant's) against the read models (all, or that tenant's).</summary>
    private static Result Check(Loaded loaded, IReadOnlyList<ProjectionGen.EventEnvelope> events, string? tenant)
    {
        var problems = new List<string>();
        var mark = loaded.Mark;
        foreach (var projection in Projections)
        {
            if (loaded.Positions.GetValueOrDefault(projection) < mark)
            {
                problems.Add($"{projection} is at position {loaded.Positions.GetValueOrDefault(projection)}, behind the safe mark {mark}");
            }
        }

        var ledger = loaded.Ledger;
        var expected = new Dictionary<string, OrderSummary>(StringComparer.Ordinal);
        var expectedSales = new Dictionary<string, SkuSales>(StringComparer.Ordinal);
        long upcast = 0;
        long ledgerRows = 0;
        foreach (var envelope in events)
        {
            if (envelope.EventType == "order_line_added")
            {
                upcast++;
                if (envelope.Data is not ItemAdded)
                {
                    problems.Add($"event {envelope.Sequence} stored as order_line_added reads as {envelope.Data?.GetType().Name ?? envelope.DeserializationError}, not ItemAdded");
                }
            }

            if (envelope.Data is ItemAdded item)
            {
                if (!expectedSales.TryGetValue(item.Sku, out var sales))
                {
                    expectedSales[item.Sku] = sales = new SkuSales { Sku = item.Sku };
                }

                sales.Quantity += item.Quantity;
                sales.Revenue += item.Quantity * item.UnitPrice;
                sales.Lines++;
            }

            var rows = ledger.GetValueOrDefault(envelope.Sequence);
            ledgerRows += rows;
            if (rows != 1)
            {
                problems.Add(rows == 0 ? $"{OrdersDatabase.LedgerTable}: event {envelope.Sequence} missing" : $"{OrdersDatabase.LedgerTable}: event {envelope.Sequence} applied {rows} times");
            }

            Fold(expected, envelope.StreamId, envelope.Data);
        }

        // Ledger rows have no tenant: a row of no committed event is every tenant's problem.
        var known = loaded.Events.Select(e => e.Sequence).ToHashSet();
        var unknown = ledger.Keys.Where(seq => !known.Contains(seq)).ToList();
        problems.AddRange(unknown.Select(seq => $"order_ledger: row for unknown event {seq}"));
        if (tenant is null)
        {
            ledgerRows += unknown.Sum(seq => (long)ledger[seq]);
        }

        var actual = loaded.Summaries.Where(p => tenant is null || string.Equals(p.Key.Tenant, tenant, StringComparison.Ordinal)).ToList();
        var actualById = new Dictionary<string, OrderSummary>(StringComparer.Ordinal);
        foreach (var ((documentTenant, id), summary) in actual)
        {
            // Without a tenant (a database without tenancy) the ids are unique; a conjoined store checked as a whole may
            // repeat an id across tenants, which then is one more document than expected.
            if (!actualById.TryAdd(id, summary))
            {
                problems.Add($"order_summary: {id} of tenant '{documentTenant}' repeats an id");
            }
        }

        foreach (var (id, summary) in expected)
        {
            if (!actualById.TryGetValue(id, out var stored))
            {
                problems.Add($"order_summary: {id} missing");
            }
            else if (stored.ItemCount != summary.ItemCount || stored.Total != summary.Total || stored.Status != summary.Status || stored.Customer != summary.Customer)
            {
                problems.Add($"order_summary: {id} is {stored.ItemCount} items/{stored.Total}/{stored.Status}, expected {summary.ItemCount}/{summary.Total}/{summary.Status}");
            }
        }

        problems.AddRange(actualById.Keys.Where(id => !expected.ContainsKey(id)).Select(id => $"order_summary: unexpected document {id}"));

        var actualSales = new Dictionary<string, SkuSales>(StringComparer.Ordinal);
        foreach (var ((documentTenant, sku), sales) in loaded.Sales.Where(p => tenant is null || string.Equals(p.Key.Tenant, tenant, StringComparison.Ordinal)))
        {
            if (!actualSales.TryAdd(sku, sales))
            {
                // Checked as a whole, a conjoined store's tenants each have documents of the same products.
                actualSales[sku] = new SkuSales { Sku = sku, Quantity = actualSales[sku].Quantity + sales.Quantity, Revenue = actualSales[sku].Revenue + sales.Revenue, Lines = actualSales[sku].Lines + sales.Lines };
            }
        }

        foreach (var (sku, sales) in expectedSales)
        {
            if (!actualSales.TryGetValue(sku, out var stored))
            {
                problems.Add($"sku_sales: {sku} missing");
            }
            else if (stored.Sku != sku || stored.Quantity != sales.Quantity || stored.Revenue != sales.Revenue || stored.Lines != sales.Lines)
            {
                problems.Add($"sku_sales: {sku} is {stored.Quantity} items/{stored.Revenue}/{stored.Lines} lines, expected {sales.Quantity}/{sales.Revenue}/{sales.Lines}");
            }
        }

        problems.AddRange(actualSales.Keys.Where(sku => !expectedSales.ContainsKey(sku)).Select(sku => $"sku_sales: unexpected document {sku}"));
        return new Result(events.Count, ledgerRows, actualById.Count, actualSales.Count, upcast, problems);
    }

    /// <summary>The summary projection's semantics, written out by hand as the reference.</summary>
    private static void Fold(Dictionary<string, OrderSummary> summaries, string streamId, object? data)
    {
        summaries.TryGetValue(streamId, out var summary);
        switch (data)
        {
            case OrderPlaced placed when summary is null:
                summaries[streamId] = new OrderSummary { Customer = placed.Customer, Status = "Placed" };
                break;
            case ItemAdded added:
                summary ??= summaries[streamId] = new OrderSummary();
                summary.ItemCount += added.Quantity;
                summary.Total += added.Quantity * added.UnitPrice;
                break;
            case OrderShipped:
                summary ??= summaries[streamId] = new OrderSummary();
                summary.Status = "Shipped";
                break;
            case OrderCancelled:
                summaries.Remove(streamId);
                break;
        }
    }

    private static async Task<Dictionary<string, long>> ReadPositionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        // A versioned projection's position is its live generation's (docs/versions.md); kept and building ones are left out.
        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(v.projection, p.name), p.position
            FROM projectiongen.progress p LEFT JOIN projectiongen.projection_versions v ON v.slot_key = p.projection
            WHERE v.state IS NULL OR v.state = 'live'
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            positions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return positions;
    }
}
