using System.Reflection;
using Microsoft.CodeAnalysis;
using ProjectionGen.Daemon;
using ProjectionGen.Generators.Tests.Infrastructure;
using ProjectionGen.WritePath;

namespace ProjectionGen.Generators.Tests;

/// <summary>The generated <c>IProjectionRow&lt;TRow&gt;</c> of <c>[ProjectionRow]</c> types: snapshot, and compiled and run against the runtime's writer.</summary>
public sealed class RowGeneratorTests
{
    private static readonly GeneratorRun Run = GeneratorRun.Of(RowSources.Rows);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Row_type_gets_its_table_columns_and_typed_append() =>
        Snapshot.Verify("OrderLedgerRow", Run.Source("Shop.Rows.OrderLedgerRow.ProjectionRow.g.cs"));

    [Fact]
    public void One_file_per_row_type_and_the_output_compiles_without_warnings()
    {
        Assert.Empty(Run.GeneratorDiagnostics);
        Assert.Equal(
            ["Shop.Rows.AllTypesRow.ProjectionRow.g.cs", "Shop.Rows.OrderLedgerRow.ProjectionRow.g.cs", "Shop.Rows.Outer.NestedRow.ProjectionRow.g.cs"],
            Run.Result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Empty(Run.Output.GetDiagnostics(Ct).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("partial record struct NestedRow", Run.Source("Shop.Rows.Outer.NestedRow.ProjectionRow.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_rows_queue_their_values_into_one_unnest_insert_per_run()
    {
        using var image = new MemoryStream();
        Assert.True(Run.Output.Emit(image, cancellationToken: Ct).Success);
        var assembly = Assembly.Load(image.ToArray());
        var writer = new BatchWriter();
        assembly.GetType("Shop.Rows.RowQueue", throwOnError: true)!.GetMethod("Queue")!.Invoke(null, [writer]);

        var sent = writer.CommitCommands(group: true).ToList();
        Assert.Equal(4, sent.Count);
        Assert.Equal(
            "INSERT INTO \"order_ledger\" (\"order_id\", \"seq\", \"sku\", \"quantity\", \"unit_price\") SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5))",
            sent[0].CommandText);
        Assert.Equal([Guid.Parse("00000000-0000-0000-0000-00000000000a"), Guid.Parse("00000000-0000-0000-0000-00000000000a")], (Guid[])sent[0].Parameters[0].Value!);
        Assert.Equal([1L, 2L], (long[])sent[0].Parameters[1].Value!);
        Assert.Equal(["sku-1", "sku-2"], (string[])sent[0].Parameters[2].Value!);
        Assert.Equal([2, 1], (int[])sent[0].Parameters[3].Value!);
        Assert.Equal([9.5m, null], (decimal?[])sent[0].Parameters[4].Value!);
        Assert.Equal("UPDATE t SET x = 1", sent[1].CommandText);
        Assert.StartsWith("INSERT INTO \"nested_rows\" (\"seq\") SELECT", sent[2].CommandText, StringComparison.Ordinal);
        Assert.Contains(
            "(\"small\", \"number\", \"big\", \"flag\", \"text\", \"price\", \"ratio\", \"fraction\", \"id\", \"when\", \"at\", \"day\", \"bytes\", \"small_n\", \"number_n\", \"big_n\", \"flag_n\", \"text_n\", \"price_n\", \"ratio_n\", \"fraction_n\", \"id_n\", \"when_n\", \"at_n\", \"day_n\", \"bytes_n\", \"event\", \"http_status\")",
            sent[3].CommandText, StringComparison.Ordinal);
        Assert.Equal([7], (int[])sent[3].Parameters[1].Value!);
        Assert.Equal([8, 404], sent[3].Parameters.Skip(26).Select(p => ((int[])p.Value!)[0]));
        Assert.Equal("n", ((string?[])sent[3].Parameters[17].Value!).Single());
        Assert.Equal([null], (int?[])sent[3].Parameters[14].Value!);
    }

    [Fact]
    public void An_unrelated_edit_reuses_the_cached_row_models_and_a_new_property_regenerates_its_row()
    {
        var compilation = TestCompilation.Create(RowSources.Rows);
        var first = GeneratorRun.Over(GeneratorRun.CreateDriver(), compilation);
        var unrelated = GeneratorRun.Over(first.Driver, compilation.AddSyntaxTrees(TestCompilation.Parse("namespace Shop; public sealed class Unrelated { public int Value => 42; }", "Unrelated.cs")));
        var reasons = unrelated.Reasons(TrackingNames.Row);
        Assert.Equal(3, reasons.Count);
        Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"The row step ran with reason {reason}."));

        var tree = compilation.SyntaxTrees.Single();
        var edited = TestCompilation.Parse(tree.ToString().Replace("decimal? UnitPrice)", "decimal? UnitPrice, string? Note)", StringComparison.Ordinal), tree.FilePath);
        var changed = GeneratorRun.Over(first.Driver, compilation.ReplaceSyntaxTree(tree, edited));
        Assert.Contains(IncrementalStepRunReason.Modified, changed.Reasons(TrackingNames.Row));
        Assert.Contains("buffer.Add(row.Note);", changed.Source("Shop.Rows.OrderLedgerRow.ProjectionRow.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_type_with_problems_generates_nothing()
    {
        var run = GeneratorRun.Of("""
            using ProjectionGen;

            [ProjectionRow("t")]
            public sealed record NotPartialRow(long Seq);

            [ProjectionRow("Bad Table")]
            public sealed partial record BadTableRow(long Seq);

            [ProjectionRow("t")]
            public sealed partial record UnsupportedRow(System.Collections.Generic.List<int> Values);
            """);
        Assert.Empty(run.Result.GeneratedSources);
        Assert.Empty(run.GeneratorDiagnostics);
    }
}
