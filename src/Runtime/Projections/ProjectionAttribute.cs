namespace ProjectionGen;

/// <summary>
/// Marks a <see langword="partial"/> class as a projection. The ProjectionGen source generator implements
/// <see cref="IGeneratedProjection"/> for it: a type switch over its handler methods and the batch loop that commits
/// each batch through the lock guard and the fenced progress update.
/// </summary>
/// <remarks>
/// Two shapes are recognised by their methods:
/// <list type="bullet">
/// <item><description>Event projection: instance methods named <c>Handle</c> whose first parameter is the event; further
/// parameters, in any order, may be <see cref="EventMetadata"/>, <see cref="IProjectionWriter"/> and
/// <see cref="CancellationToken"/>; they return <see langword="void"/>, <see cref="Task"/> or <see cref="ValueTask"/> (never
/// <c>async void</c>). A method receives only the events stored as exactly its event type, not those of derived types.</description></item>
/// <item><description>Aggregate projection (one document per stream): <c>Create(event[, EventMetadata])</c> returning the
/// document, <c>Apply(event, document[, EventMetadata])</c> returning <see langword="void"/> (mutate) or the document (replace),
/// and <c>ShouldDelete(event[, document][, EventMetadata])</c> returning <see cref="bool"/>.</description></item>
/// <item><description>Multi-stream aggregate: an aggregate with routes, <c>Identity(event[, EventMetadata])</c> returning
/// one document id or <c>Identities(event[, EventMetadata])</c> returning several (<see cref="string"/>, <see cref="Guid"/>,
/// <see cref="int"/> or <see cref="long"/>); every handled event type needs a route. Not shardable.</description></item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ProjectionAttribute : Attribute
{
    /// <summary>Marks a projection named after its class (snake_case).</summary>
    public ProjectionAttribute()
    {
    }

    /// <summary>Marks a projection with an explicit name: letters, digits and underscores, starting with a letter, at most 48 characters.</summary>
    public ProjectionAttribute(string name) => Name = name;

    /// <summary>The projection name: the key of its progress row, its advisory lock and its metrics.</summary>
    public string? Name { get; }

    /// <summary>The most events per batch; 0 takes the daemon's default.</summary>
    public int BatchSize { get; set; }

    /// <summary>How often a batch is retried when a handler throws on an event before the poison-event policy applies; -1 takes the daemon's default.</summary>
    public int MaxRetries { get; set; } = -1;

    /// <summary>What to do with an event that still fails after <see cref="MaxRetries"/>.</summary>
    public PoisonEventPolicy OnPoisonEvent { get; set; } = PoisonEventPolicy.DeadLetter;

    /// <summary>
    /// For aggregate projections, the table holding the documents (default <c>doc_</c> + name), in the event store's
    /// schema. It must be neither one of ProjectionGen's own tables nor another projection's (PGEN015, PGEN016, and the
    /// daemon at start), because a rebuild deletes every row of it.
    /// </summary>
    public string? TableName { get; set; }

    /// <summary>
    /// Splits the projection's events by a stable hash of the stream id into this many slots (1 to
    /// <see cref="ProjectionDescriptor.MaxShards"/>), each with its own progress row, lock and epoch, spread over the
    /// nodes like any projection. Order is kept within a stream, not across streams. Default 1 (not sharded). Changing it
    /// for a projection that already ran is refused at start-up until the projection is rebuilt (see docs/cluster.md).
    /// </summary>
    public int Shards { get; set; } = 1;

    /// <summary>
    /// The projection's version, 1 to <see cref="ProjectionDescriptor.MaxVersion"/> (default 1). A new version is built
    /// beside the live one, into its own document table (<c>doc_name_v2</c>; for an event projection, its own copies of
    /// the <see cref="Tables"/> it declares) with its own progress rows, locks and epochs, while the live one keeps
    /// serving; readers of the view <c>{schema}.{name}</c> (for an event projection, the views named after its tables)
    /// are switched to it in one transaction once it has caught up (PGEN019; docs/versions.md).
    /// </summary>
    public int Version { get; set; } = 1;

    /// <summary>
    /// For event projections, the tables the handlers write, in the event store's schema (letters, digits and
    /// underscores, starting with a letter, at most 48 characters). Declaring them lets the projection have versions and
    /// shadow rebuilds: each generation writes its own copy (<c>name_v1</c>, <c>name_v2</c>, <c>name_v1b</c>), which the
    /// handler names with <see cref="IProjectionWriter.Table"/>, and readers query a view with the declared name that
    /// points at the live generation's copy (PGEN020; docs/versions.md, "Event projections").
    /// </summary>
#pragma warning disable CA1819 // An attribute argument can only be an array.
    public string[]? Tables { get; set; }
#pragma warning restore CA1819
}
