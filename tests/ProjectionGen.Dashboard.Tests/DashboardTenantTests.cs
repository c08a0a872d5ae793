using System.Globalization;
using Npgsql;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The dashboard's tenant section in a real headless Chromium (docs/dashboard.md, "Tenant databases"): 300 tenant
/// databases × 4 slots on the tenant status board, filtered and paged on the server so the page stays usable; values
/// shown as text only.
/// </summary>
public sealed class DashboardTenantTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_hundred_tenant_databases_are_paged_filtered_by_tenant_and_by_failure_and_shown_as_text()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_tenants");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: false, nodes: 1, tenantBoard: true);
        await cluster.Bed.AppendAsync(20, seed: 11);
        await cluster.WaitForCatchUpAsync();

        // 300 tenants as their nodes publish them: every 10th failed, every 50th on a node that is gone, and one whose id is markup.
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO projectiongen.tenant_database_status (tenant_id, node, status, error, failed_starts, since, high_water_mark, slots)
                SELECT CASE WHEN i = 299 THEN '<img src=x onerror=alert(1)>' ELSE 'tenant-' || lpad(i::text, 3, '0') END,
                       CASE WHEN i % 50 = 7 THEN 'gone-node' ELSE $1 END,
                       CASE WHEN i % 10 = 3 THEN 'Failed' ELSE 'Running' END,
                       CASE WHEN i % 10 = 3 THEN 'NpgsqlException: Failed to connect to 127.0.0.1:1' END,
                       CASE WHEN i % 10 = 3 THEN 4 ELSE 0 END, now() - interval '1 minute', 1000 + i,
                       (SELECT jsonb_agg(jsonb_build_object('projection', p, 'status', 'Running', 'epoch', 2, 'position', 990 + i, 'last_commit_at', now())) FROM unnest(ARRAY['ledger', 'balances', 'orders', 'skus']) p)
                FROM generate_series(0, 299) i
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Dashboard.Node });
            await command.ExecuteNonQueryAsync(Ct);
        }

        // Failed on their node (i % 10 = 3: 30) or on a gone node (i % 50 = 7: 6, none of them failed).
        const int failedOrGone = 36;
        using var browser = Browser.Start();
        try
        {
            browser.Open(cluster.Dashboard.Dashboard);
            browser.WaitUntil(() => browser.Rows("tenants").Count == 50, Patience, "the first page of tenants");
            Assert.Contains("300 tenant databases, " + failedOrGone.ToString(CultureInfo.InvariantCulture) + " failed or without a live node", browser.Script<string>("return document.getElementById('tenant-count').textContent;"), StringComparison.Ordinal);
            Assert.Equal("page 1 of 6", browser.Script<string>("return document.getElementById('tenant-page').textContent;"));
            var first = browser.Rows("tenants")[0].Split('|');
            Assert.Equal("<img src=x onerror=alert(1)>", first[0]);
            Assert.Equal(0, browser.Script<long>("return document.querySelectorAll('#tenants img').length;"));
            Assert.Contains("ledger 2, 1,289, 10 (running)", first[5], StringComparison.Ordinal);

            // A gone node shows as such; a failed tenant shows its error.
            var rows = browser.Rows("tenants");
            Assert.Contains(rows, r => r.StartsWith("tenant-007|gone-node (gone)|running|", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.StartsWith("tenant-003|", StringComparison.Ordinal) && r.Contains("|failed|", StringComparison.Ordinal) && r.EndsWith("Failed to connect to 127.0.0.1:1", StringComparison.Ordinal));

            // Next page, then a filter by tenant id, then failed only.
            browser.Script<object?>("document.getElementById('tenant-next').click(); return null;");
            browser.WaitUntil(() => browser.Rows("tenants") is [var top, ..] && top.StartsWith("tenant-049|", StringComparison.Ordinal), Patience, "the second page");
            Assert.Equal("page 2 of 6", browser.Script<string>("return document.getElementById('tenant-page').textContent;"));

            browser.Script<object?>("const f = document.getElementById('tenant-filter'); f.value = 'TENANT-12'; f.dispatchEvent(new Event('input')); return null;");
            browser.WaitUntil(() => browser.Rows("tenants").Count == 10 && browser.Rows("tenants").All(r => r.StartsWith("tenant-12", StringComparison.Ordinal)), Patience, "tenants 120-129 only");
            Assert.Equal("page 1 of 1", browser.Script<string>("return document.getElementById('tenant-page').textContent;"));

            browser.Script<object?>("const f = document.getElementById('tenant-filter'); f.value = ''; f.dispatchEvent(new Event('input')); document.getElementById('tenant-failed').click(); return null;");
            browser.WaitUntil(() => browser.Script<string>("return document.getElementById('tenant-page').textContent;") == "page 1 of 1" && browser.Rows("tenants").Count == failedOrGone, Patience, "failed tenants only");
            Assert.All(browser.Rows("tenants"), r => Assert.True(r.Contains("|failed|", StringComparison.Ordinal) || r.Contains("(gone)", StringComparison.Ordinal), r));
        }
        finally
        {
            browser.Screenshot("three-hundred-tenants");
        }
    }
}
