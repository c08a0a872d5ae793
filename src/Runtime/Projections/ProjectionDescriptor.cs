namespace ProjectionGen;

/// <summary>What the runtime needs to know about a generated projection; emitted by the source generator.</summary>
public sealed class ProjectionDescriptor
{
    /// <summary>Creates a descriptor; called by generated code.</summary>
    /// <param name="name">The projection name (validated by the analyzers and again by the runtime).</param>
    /// <param name="kind">The projection shape.</param>
    /// <param name="eventTypes">The event types the projection handles; the daemon reads only these.</param>
    /// <param name="documentType">For aggregate projections, the document type; otherwise <see langword="null"/>.</param>
    /// <param name="batchSize">The most events per batch; 0 for the daemon's default.</param>
    /// <param name="maxRetries">Retries of a failing event before <paramref name="onPoisonEvent"/> applies; -1 for the daemon's default.</param>
    /// <param name="onPoisonEvent">The poison-event policy.</param>
    /// <param name="tableName">For aggregate projections, the document table, or <see langword="null"/> for the default.</param>
    /// <param name="shards">How many slots the projection's streams are split into; 1 for none.</param>
    /// <param name="multiStream">For aggregate projections, whether documents are keyed by the ids the projection's routes return rather than by stream id.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is not between 1 and <see cref="MaxShards"/>.</exception>
    /// <exception cref="ArgumentException">A multi-stream projection that is not an aggregate or is sharded.</exception>
    public ProjectionDescriptor(
        string name,
        ProjectionKind kind,
        IReadOnlyList<Type> eventTypes,
        Type? documentType,
        int batchSize,
        int maxRetries,
        PoisonEventPolicy onPoisonEvent,
        string? tableName,
        int shards = 1,
        bool multiStream = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(eventTypes);
        if (kind == ProjectionKind.Aggregate && documentType is null)
        {
            throw new ArgumentException("An aggregate projection needs a document type.", nameof(documentType));
        }

        if (shards < 1 || shards > MaxShards)
        {
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"Projection '{name}' asks for {shards} shards; a projection has 1 to {MaxShards}.");
        }

        MultiStreamRules.Validate(name, kind, shards, multiStream);
        Name = name;
        Kind = kind;
        EventTypes = eventTypes;
        DocumentType = documentType;
        BatchSize = batchSize;
        MaxRetries = maxRetries;
        OnPoisonEvent = onPoisonEvent;
        TableName = tableName;
        Shards = shards;
        MultiStream = multiStream;
    }

    /// <summary>Creates the descriptor of a versioned projection; called by generated code for <c>Version</c> other than 1.</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="kind">The projection shape.</param>
    /// <param name="eventTypes">The handled event types.</param>
    /// <param name="documentType">For aggregate projections, the document type.</param>
    /// <param name="batchSize">The most events per batch; 0 for the daemon's default.</param>
    /// <param name="maxRetries">Retries before the poison-event policy applies; -1 for the daemon's default.</param>
    /// <param name="onPoisonEvent">The poison-event policy.</param>
    /// <param name="tableName">For aggregate projections, the base document table, or <see langword="null"/> for the default.</param>
    /// <param name="shards">How many slots the projection's streams are split into.</param>
    /// <param name="multiStream">Whether an aggregate's documents are keyed by its routes' ids.</param>
    /// <param name="version">The projection's version, 1 to <see cref="MaxVersion"/> (docs/versions.md).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> or <paramref name="shards"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A version other than 1 of an event projection (which must declare its tables).</exception>
    public ProjectionDescriptor(
        string name,
        ProjectionKind kind,
        IReadOnlyList<Type> eventTypes,
        Type? documentType,
        int batchSize,
        int maxRetries,
        PoisonEventPolicy onPoisonEvent,
        string? tableName,
        int shards,
        bool multiStream,
        int version)
        : this(name, kind, eventTypes, documentType, batchSize, maxRetries, onPoisonEvent, tableName, shards, multiStream, version, [])
    {
    }

    /// <summary>Creates the descriptor of an event projection that declares its tables; called by generated code.</summary>
    /// <param name="name">The projection name.</param>
    /// <param name="kind">The projection shape (<see cref="ProjectionKind.Event"/>).</param>
    /// <param name="eventTypes">The handled event types.</param>
    /// <param name="documentType"><see langword="null"/>: an event projection keeps no documents.</param>
    /// <param name="batchSize">The most events per batch; 0 for the daemon's default.</param>
    /// <param name="maxRetries">Retries before the poison-event policy applies; -1 for the daemon's default.</param>
    /// <param name="onPoisonEvent">The poison-event policy.</param>
    /// <param name="tableName"><see langword="null"/>: an event projection has no document table.</param>
    /// <param name="shards">How many slots the projection's streams are split into.</param>
    /// <param name="multiStream"><see langword="false"/>.</param>
    /// <param name="version">The projection's version, 1 to <see cref="MaxVersion"/>.</param>
    /// <param name="tables">The tables its handlers write (<see cref="ProjectionAttribute.Tables"/>; docs/versions.md).</param>
    /// <exception cref="ArgumentException">A table name is invalid or repeated, or the projection is an aggregate.</exception>
    public ProjectionDescriptor(
        string name,
        ProjectionKind kind,
        IReadOnlyList<Type> eventTypes,
        Type? documentType,
        int batchSize,
        int maxRetries,
        PoisonEventPolicy onPoisonEvent,
        string? tableName,
        int shards,
        bool multiStream,
        int version,
        IReadOnlyList<string> tables)
        : this(name, kind, eventTypes, documentType, batchSize, maxRetries, onPoisonEvent, tableName, shards, multiStream)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (version < 1 || version > MaxVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, $"Projection '{name}' has Version = {version}; a version is 1 to {MaxVersion}.");
        }

        if (tables.Count > 0 && kind == ProjectionKind.Aggregate)
        {
            throw new ArgumentException($"Projection '{name}' is an aggregate projection: it keeps its documents in its document table and declares no Tables (docs/versions.md).", nameof(tables));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (!DeclaredTableName.IsValid(table))
            {
                throw new ArgumentException(
                    $"Projection '{name}' declares the table '{table}': a declared table is 1 to {DeclaredTableName.MaxLength} lower-case letters, digits and underscores, starting with a letter (docs/versions.md).",
                    nameof(tables));
            }

            if (!seen.Add(table))
            {
                throw new ArgumentException($"Projection '{name}' declares the table '{table}' twice.", nameof(tables));
            }
        }

        if (version != 1 && kind != ProjectionKind.Aggregate && tables.Count == 0)
        {
            throw new ArgumentException(
                $"Projection '{name}' is an event projection with Version = {version} but declares no Tables: a version is built beside the live one into its own copies of the tables the projection declares (Tables = new[] {{ \"...\" }}), which its handlers name with writer.Table(...) (docs/versions.md).",
                nameof(tables));
        }

        Version = version;
        Tables = [.. tables];
    }

    /// <summary>The most shards a projection may have.</summary>
    public const int MaxShards = 256;

    /// <summary>The highest projection version.</summary>
    public const int MaxVersion = 999;

    /// <summary>
    /// The projection's version (1 unless the attribute says otherwise). A node with a newer version than the live one
    /// builds it beside the live one, and readers of the projection's view are switched to it once it has caught up
    /// (docs/versions.md).
    /// </summary>
    public int Version { get; } = 1;

    /// <summary>The projection name.</summary>
    public string Name { get; }

    /// <summary>
    /// For event projections, the tables its handlers write (<see cref="ProjectionAttribute.Tables"/>); empty when it
    /// declares none. Each generation writes its own copy of each, and readers query views with these names
    /// (docs/versions.md, "Event projections").
    /// </summary>
    public IReadOnlyList<string> Tables { get; } = [];

    /// <summary>
    /// The stored names of older event shapes that the upcasters declared beside the projection (the
    /// <c>[EventUpcasters]</c> classes of its compilation) convert into its handled types; set by generated code, empty
    /// when there are none. A daemon whose <see cref="EventStore.EventTypeRegistry"/> does not read one of them as a
    /// handled type (the generated upcasters were not added) refuses to start instead of silently skipping those events
    /// (docs/generator.md, "Upcasting").
    /// </summary>
    public IReadOnlyList<string> UpcastFromNames
    {
        get => upcastFromNames;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            upcastFromNames = [.. value];
        }
    }

    private readonly string[] upcastFromNames = [];

    /// <summary>The projection shape.</summary>
    public ProjectionKind Kind { get; }

    /// <summary>The event types the projection handles.</summary>
    public IReadOnlyList<Type> EventTypes { get; }

    /// <summary>For aggregate projections, the document type.</summary>
    public Type? DocumentType { get; }

    /// <summary>The most events per batch; 0 for the daemon's default.</summary>
    public int BatchSize { get; }

    /// <summary>Retries before the poison-event policy applies; -1 for the daemon's default.</summary>
    public int MaxRetries { get; }

    /// <summary>The poison-event policy.</summary>
    public PoisonEventPolicy OnPoisonEvent { get; }

    /// <summary>For aggregate projections, the document table, or <see langword="null"/> for the default.</summary>
    public string? TableName { get; }

    /// <summary>How many slots the projection's streams are split into (by a stable hash of the stream id); 1 when not sharded.</summary>
    public int Shards { get; }

    /// <summary>
    /// An aggregate projection whose documents are keyed by the ids its <c>Identity</c>/<c>Identities</c> routes return,
    /// so that one document gathers events of many streams; never sharded.
    /// </summary>
    public bool MultiStream { get; }
}
