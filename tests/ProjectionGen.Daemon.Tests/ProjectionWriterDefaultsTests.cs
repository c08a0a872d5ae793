using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A writer of one's own written before <see cref="IProjectionWriter.Insert{TRow}"/> and <see cref="IProjectionWriter.Table"/>
/// existed (a test double) still compiles: both have default implementations that say what is missing.
/// </summary>
public sealed class ProjectionWriterDefaultsTests
{
    [Fact]
    public void A_writer_with_only_the_execute_methods_compiles_and_refuses_rows_and_tables_clearly()
    {
        IProjectionWriter writer = new ExecuteOnlyWriter();
        var row = Assert.Throws<NotSupportedException>(() => writer.Insert(new LedgerRow(1, "a-1", 10)));
        Assert.Contains("ExecuteOnlyWriter does not implement IProjectionWriter.Insert", row.Message, StringComparison.Ordinal);
        var table = Assert.Throws<NotSupportedException>(() => writer.Table("ledger"));
        Assert.Contains("ExecuteOnlyWriter does not implement IProjectionWriter.Table", table.Message, StringComparison.Ordinal);
    }

    private sealed class ExecuteOnlyWriter : IProjectionWriter
    {
        public List<string> Commands { get; } = [];

        public void Execute(string sql) => Commands.Add(sql);

        public void Execute<T1>(string sql, T1 p1) => Commands.Add(sql);

        public void Execute<T1, T2>(string sql, T1 p1, T2 p2) => Commands.Add(sql);

        public void Execute<T1, T2, T3>(string sql, T1 p1, T2 p2, T3 p3) => Commands.Add(sql);

        public void Execute<T1, T2, T3, T4>(string sql, T1 p1, T2 p2, T3 p3, T4 p4) => Commands.Add(sql);

        public void Execute(string sql, params ReadOnlySpan<object?> parameters) => Commands.Add(sql);
    }
}
