namespace ProjectionGen.EventStore;

/// <summary>The validated names a schema migration may put into SQL text.</summary>
/// <param name="Schema">The store's schema.</param>
/// <param name="AppendMarkerKey">The advisory-lock key every appender holds shared while it appends (see <see cref="SafeHighWaterMark"/>).</param>
/// <param name="NotificationChannel">The channel notified on every committed append.</param>
internal sealed record SchemaContext(PostgresIdentifier Schema, long AppendMarkerKey, PostgresIdentifier NotificationChannel)
{
    /// <summary>The quoted, schema-qualified name of a relation or function.</summary>
    public string Table(string name) => Schema.Qualify(name);

    /// <summary>The SQLSTATE the append function raises when the stream is not at the expected version.</summary>
    public const string ConcurrencySqlState = "PGC01";
}
