namespace ProjectionGen.EventStore;

/// <summary>
/// A released schema step kept as it was released: an embedded <c>Migrations/NNNN_*.sql</c> file whose statements are
/// separated by the line <see cref="Separator"/>, with <c>{schema}</c> for the quoted schema and <c>{schema_literal}</c>
/// for its name as a string literal, both from the validated <see cref="SchemaContext.Schema"/>; from schema version 14 on a
/// script may also use <c>{append_marker_key}</c>, <c>{append_marker_setting}</c> and <c>{notification_channel}</c>
/// (the event store's append protocol, <see cref="SchemaContext"/>), which no earlier script contains. The steps that create
/// or change the tables of the layers above the event store (progress, dead letters, nodes, history, versions) and
/// their functions live here, so that the schema depends on no table owner (docs/daemon.md, "Moving parts").
/// </summary>
internal static class MigrationScript
{
    /// <summary>The line between two statements of a script.</summary>
    public const string Separator = "-- ProjectionGen: next statement";

    /// <summary>The statements of script <paramref name="fileName"/> (for example <c>0009_event_tables.sql</c>) for the schema of <paramref name="context"/>.</summary>
    public static IReadOnlyList<string> Load(string fileName, SchemaContext context)
    {
        var assembly = typeof(MigrationScript).Assembly;
        using var stream = assembly.GetManifestResourceStream("ProjectionGen.Migrations." + fileName)
            ?? throw new InvalidOperationException($"The schema script {fileName} is not embedded in {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var literal = "'" + context.Schema.Value.Replace("'", "''", StringComparison.Ordinal) + "'";
        return
        [
            .. text.Split("\n" + Separator + "\n", StringSplitOptions.None)
                .Select(statement => statement.TrimEnd('\n'))
                .Where(statement => !IsOnlyComments(statement))
                .Select(statement => statement
                    .Replace("{schema_literal}", literal, StringComparison.Ordinal)
                    .Replace("{append_marker_key}", context.AppendMarkerKey.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{append_marker_setting}", context.AppendMarkerSetting, StringComparison.Ordinal)
                    .Replace("{notification_channel}", context.NotificationChannel.Value, StringComparison.Ordinal)
                    .Replace("{schema}", context.Schema.Quoted, StringComparison.Ordinal)),
        ];
    }

    private static bool IsOnlyComments(string statement) =>
        statement.Split('\n').All(line => line.Length == 0 || line.StartsWith("--", StringComparison.Ordinal));
}
