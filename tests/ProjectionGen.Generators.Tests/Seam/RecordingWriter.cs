namespace ProjectionGen.Generators.Tests.Seam;

/// <summary>An <see cref="IProjectionWriter"/> that records each queued command into the batch's timeline.</summary>
internal sealed class RecordingWriter(List<string> timeline) : IProjectionWriter
{
    public void Execute(string sql) => Record(sql);

    public void Execute<T1>(string sql, T1 p1) => Record(sql, p1);

    public void Execute<T1, T2>(string sql, T1 p1, T2 p2) => Record(sql, p1, p2);

    public void Execute<T1, T2, T3>(string sql, T1 p1, T2 p2, T3 p3) => Record(sql, p1, p2, p3);

    public void Execute<T1, T2, T3, T4>(string sql, T1 p1, T2 p2, T3 p3, T4 p4) => Record(sql, p1, p2, p3, p4);

    public void Execute(string sql, params ReadOnlySpan<object?> parameters) => Record(sql, parameters.ToArray());

    public void Insert<TRow>(TRow row) where TRow : IProjectionRow<TRow>
    {
        // The runtime's own writer turns the row into its INSERT; the timeline shows the table and the values.
        var writer = new ProjectionGen.WritePath.BatchWriter();
        writer.Insert(row);
        var command = writer.CommitCommands(group: true).Single();
        timeline.Add($"row {TRow.TableName} [{string.Join(", ", command.Parameters.Select(p => ((System.Collections.IList)p.Value!)[0]))}]");
    }

    public string Table(string table) => "recorded_" + table;

    private void Record(string sql, params object?[] parameters) =>
        timeline.Add($"sql {sql} [{string.Join(", ", parameters)}]");
}
