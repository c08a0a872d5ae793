namespace ProjectionGen.EventStore;

/// <summary>The validated names a schema migration may put into SQL text.</summary>
/// <param name="Schema">The store's schema.</param>
/// <param name="AppendMarkerKey">The advisory-lock key every appender holds shared while it appends (see <see cref="SafeHighWaterMark"/>).</param>
/// <param name="NotificationChannel">The channel notified on every committed append.</param>
internal sealed record SchemaContext(PostgresIdentifier Schema, long AppendMarkerKey, PostgresIdentifier NotificationChannel)
{
    /// <summary>The quoted, schema-qualified name of a relation or function.</summary>
    public string Table(string name) => Schema.Qualify(name);

    /// <summary>
    /// The transaction-local setting with which <c>append_events</c> marks a transaction that holds the append marker
    /// and a transaction id; the events table refuses writes without it. One per schema (named after the marker key).
    /// </summary>
    public string AppendMarkerSetting => "projectiongen.append_" + unchecked((ulong)AppendMarkerKey).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The SQLSTATE the append function raises when the stream is not at the expected version.</summary>
    public const string ConcurrencySqlState = "PGC01";

    /// <summary>The SQLSTATE raised when events are written other than through the append function.</summary>
    public const string DirectInsertSqlState = "PGA01";
}
