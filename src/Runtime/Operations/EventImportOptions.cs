using ProjectionGen.EventStore;

namespace ProjectionGen.Operations;

/// <summary>Options of <see cref="ProjectionEventImporter"/> (docs/operations.md, "Importing events from JSON lines").</summary>
public sealed class EventImportOptions
{
    /// <summary>The default <see cref="EventsPerTransaction"/>.</summary>
    public const int DefaultEventsPerTransaction = 1000;

    /// <summary>
    /// How many events (non-blank lines) each transaction writes before it commits; at least 1. A failing line rolls back
    /// its whole transaction, and only it: the transactions before it stay committed.
    /// </summary>
    public int EventsPerTransaction { get; set; } = DefaultEventsPerTransaction;

    /// <summary>The largest body accepted, in bytes of UTF-8 JSON, as <see cref="EventStoreOptions.MaxEventBytes"/> bounds an append.</summary>
    public int MaxEventBytes { get; set; } = EventStoreOptions.DefaultMaxEventBytes;
}
