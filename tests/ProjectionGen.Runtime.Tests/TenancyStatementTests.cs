using ProjectionGen.Documents;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A store without tenancy sends exactly the statements it sent before conjoined tenancy existed (docs/tenancy.md); a
/// conjoined store's document statements always name the tenant.
/// </summary>
public sealed class TenancyStatementTests
{
    [Fact]
    public void Document_statements_without_tenancy_are_unchanged()
    {
        var table = new DocumentTable("\"projectiongen\".\"doc_x\"", "doc_x");
        Assert.False(table.Conjoined);
        Assert.Equal(
            "DO $create$ BEGIN IF to_regclass('\"projectiongen\".\"doc_x\"') IS NULL THEN CREATE TABLE IF NOT EXISTS \"projectiongen\".\"doc_x\" (id text PRIMARY KEY, data jsonb NOT NULL, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()); END IF; END $create$",
            table.CreateSql);
        Assert.Equal("SELECT id, data FROM \"projectiongen\".\"doc_x\" WHERE id = ANY($1)", table.SelectSql);
        Assert.Equal(
            "INSERT INTO \"projectiongen\".\"doc_x\" (id, data, last_seq) SELECT d.id, d.data, $3 FROM unnest($1::text[], $2::jsonb[]) AS d(id, data) ON CONFLICT (id) DO UPDATE SET data = excluded.data, last_seq = excluded.last_seq, updated_at = now()",
            table.UpsertSql);
        Assert.Equal("DELETE FROM \"projectiongen\".\"doc_x\" WHERE id = ANY($1)", table.DeleteSql);
    }

    [Fact]
    public void Conjoined_document_statements_are_keyed_by_tenant_and_id()
    {
        var table = new DocumentTable("\"projectiongen\".\"doc_x\"", "doc_x", conjoined: true);
        Assert.Contains("PRIMARY KEY (tenant_id, id)", table.CreateSql, StringComparison.Ordinal);
        Assert.Contains("tenant_id = $2", table.SelectSql, StringComparison.Ordinal);
        Assert.Contains("ON CONFLICT (tenant_id, id)", table.UpsertSql, StringComparison.Ordinal);
        Assert.Contains("tenant_id = $2", table.DeleteSql, StringComparison.Ordinal);
    }
}
