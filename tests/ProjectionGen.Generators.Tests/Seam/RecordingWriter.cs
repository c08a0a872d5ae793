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

    public string Table(string table) => "recorded_" + table;

    private void Record(string sql, params object?[] parameters) =>
        timeline.Add($"sql {sql} [{string.Join(", ", parameters)}]");
}
