namespace ProjectionGen.Generators.Emit;

/// <summary>
/// Where an aggregate case's result goes: the batch's document set under a key (daemon batches), or the local
/// <c>doc</c> (live aggregation). The case logic (ShouldDelete, Create, Apply) is written once for both.
/// </summary>
internal sealed class AggregateTarget
{
    private readonly string? _key;

    private AggregateTarget(string? key, string instance)
    {
        _key = key;
        Instance = instance;
    }

    /// <summary>The batch's documents, keyed by <paramref name="key"/> (an expression such as <c>envelope.StreamId</c>).</summary>
    public static AggregateTarget Documents(string key) => new(key, "");

    /// <summary>The local <c>doc</c> of a static fold; instance methods are called on the local <c>projection</c>.</summary>
    public static AggregateTarget Local { get; } = new(null, "projection.");

    /// <summary>The prefix of an instance method call (empty inside the projection's own instance methods).</summary>
    public string Instance { get; }

    /// <summary>Whether a mutated document must be handed back (<c>documents.Store</c>); the local <c>doc</c> is already it.</summary>
    public bool StoresMutated => _key is not null;

    /// <summary>The statement that keeps <paramref name="expression"/> as the document.</summary>
    public string Store(string expression) => _key is null ? $"doc = {expression};" : $"documents.Store({_key}, {expression});";

    /// <summary>The statement that deletes the document.</summary>
    public string Delete => _key is null ? "doc = null;" : $"documents.Delete({_key});";
}
