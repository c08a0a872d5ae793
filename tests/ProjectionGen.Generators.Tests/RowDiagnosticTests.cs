using ProjectionGen.Generators.Analyzers;
using ProjectionGen.Generators.CodeFixes;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>One test per <c>[ProjectionRow]</c> diagnostic (PGEN050 to PGEN053): its ID, its location (the <c>[|...|]</c> span) and its message; and the make-partial fix.</summary>
public sealed class RowDiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using ProjectionGen;

        """;

    [Fact]
    public Task PGEN050_row_type_is_not_partial() => AssertDiagnostics("PGEN050", "'LedgerRow' must be declared partial", """
        [ProjectionRow("ledger")]
        public sealed record [|LedgerRow|](long Seq);
        """);

    [Fact]
    public Task PGEN051_table_is_not_an_identifier() => AssertDiagnostics("PGEN051", "Table 'Order Ledger' of projection row type 'LedgerRow' cannot be used: it must be 1 to 63 lowercase", """
        [ProjectionRow([|"Order Ledger"|])]
        public sealed partial record LedgerRow(long Seq);
        """);

    [Fact]
    public Task PGEN051_table_is_reserved() => AssertDiagnostics("PGEN051", "one of ProjectionGen's own tables", """
        [ProjectionRow([|"progress"|])]
        public sealed partial record LedgerRow(long Seq);
        """);

    [Fact]
    public Task PGEN052_unsupported_property_types() => AssertDiagnostics("PGEN052", "which is not a supported column type (short, int, long", """
        public enum Kind { A, B }

        [ProjectionRow("ledger")]
        public sealed partial record LedgerRow(long Seq, Kind [|Kind|], List<int> [|Values|], TimeSpan? [|Wait|], char [|Letter|]);
        """);

    [Fact]
    public Task PGEN053_generic_row_type() => AssertDiagnostics("PGEN053", "it is generic", """
        [ProjectionRow("ledger")]
        public sealed partial record [|LedgerRow|]<T>(long Seq);
        """);

    [Fact]
    public Task PGEN053_no_columns() => AssertDiagnostics("PGEN053", "no public instance property with a getter", """
        [ProjectionRow("ledger")]
        public sealed partial class [|LedgerRow|]
        {
            internal long Seq { get; init; }
            public static long Total => 0;
        }
        """);

    [Fact]
    public Task PGEN053_two_properties_map_to_one_column() => AssertDiagnostics("PGEN053", "two properties map to the column 'seq'", """
        [ProjectionRow("ledger")]
        public sealed partial class LedgerRow
        {
            public long Seq { get; init; }
            [ProjectionColumn("seq")]
            public long [|Other|] { get; init; }
        }
        """);

    [Fact]
    public Task PGEN053_invalid_column_name() => AssertDiagnostics("PGEN053", "the column name 'Seq Number' of property 'Seq'", """
        [ProjectionRow("ledger")]
        public sealed partial class LedgerRow
        {
            [ProjectionColumn("Seq Number")]
            public long [|Seq|] { get; init; }
        }
        """);

    [Fact]
    public Task PGEN053_containing_type_is_not_partial() => AssertDiagnostics("PGEN053", "declare 'Outer' partial", """
        public class Outer
        {
            [ProjectionRow("ledger")]
            public sealed partial record [|LedgerRow|](long Seq);
        }
        """);

    [Fact]
    public async Task A_valid_row_type_has_no_diagnostic()
    {
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(Usings + """
            [ProjectionRow("ledger")]
            public sealed partial record LedgerRow(long Seq, string? Note, byte[] Data, DateOnly? Day, Guid Id)
            {
                internal int NotAColumn { get; init; }
            }
            """);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task The_make_partial_fix_applies_to_row_types()
    {
        var (text, title) = await CodeFixRunner.ApplyAsync(new ProjectionRowAnalyzer(), new MakePartialCodeFixProvider(), """
            using ProjectionGen;

            [ProjectionRow("ledger")]
            public sealed record LedgerRow(long Seq);
            """);

        Assert.Equal("Make 'LedgerRow' partial", title);
        Assert.Equal("""
            using ProjectionGen;

            [ProjectionRow("ledger")]
            public sealed partial record LedgerRow(long Seq);
            """, text);
    }

    private static async Task AssertDiagnostics(string id, string messageFragment, string markup)
    {
        var (source, spans) = Markup.Parse(Usings + markup);
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(source);

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).Order());
        Assert.All(diagnostics, d => Assert.Contains(messageFragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
