namespace ProjectionGen.Generators.Model;

/// <summary>
/// Everything the emitter needs about one projection, as strings, flags and arrays only (no symbols, syntax or
/// locations), so the incremental pipeline compares it by value and caches the generated file.
/// </summary>
/// <param name="Namespace">The containing namespace, or empty for the global namespace.</param>
/// <param name="ContainingTypes">Declarations of the (partial) containing types, outermost first, e.g. <c>partial class Outer</c>.</param>
/// <param name="TypeKeyword"><c>class</c> or <c>record</c>.</param>
/// <param name="ClassName">The projection class name.</param>
/// <param name="FullyQualifiedName">The class as <c>global::Ns.Outer.Name</c>.</param>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Name">The projection name.</param>
/// <param name="IsAggregate">Aggregate (document per stream) rather than event projection.</param>
/// <param name="DocumentType">For aggregates, the fully qualified document type.</param>
/// <param name="DocumentHasParameterlessConstructor">For aggregates, whether the generated code may <c>new</c> the document.</param>
/// <param name="BatchSize">From the attribute.</param>
/// <param name="MaxRetries">From the attribute.</param>
/// <param name="OnPoisonEvent">The attribute's policy as a C# expression.</param>
/// <param name="TableName">From the attribute, or null.</param>
/// <param name="Shards">From the attribute: how many slots the projection's streams are split into (1: not sharded).</param>
/// <param name="EventTypes">The handled event types, distinct, in declaration order (the descriptor's list).</param>
/// <param name="Cases">The switch cases, derived event types before their base types.</param>
/// <param name="HasPublicDescriptor">Whether the name <c>ProjectionDescriptor</c> is free in the class, so the public static property is emitted.</param>
/// <param name="HidesBaseDescriptor">Whether a base class is a projection whose generated descriptor field the class's own hides (<c>new</c>).</param>
/// <param name="Routes">For multi-stream aggregates, the routing switch cases, derived event types first; empty otherwise.</param>
/// <param name="NeedsInstance">Some aggregate method is an instance method, so static generated code (live aggregation) creates an instance.</param>
/// <param name="Version">From the attribute: the projection's version (1 unless set; docs/versions.md).</param>
/// <param name="Tables">From the attribute: the tables an event projection declares (docs/versions.md); empty when none.</param>
internal sealed record ProjectionModel(
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeKeyword,
    string ClassName,
    string FullyQualifiedName,
    string HintName,
    string Name,
    bool IsAggregate,
    string? DocumentType,
    bool DocumentHasParameterlessConstructor,
    int BatchSize,
    int MaxRetries,
    string OnPoisonEvent,
    string? TableName,
    int Shards,
    EquatableArray<string> EventTypes,
    EquatableArray<EventCase> Cases,
    bool HasPublicDescriptor,
    bool HidesBaseDescriptor,
    EquatableArray<RouteCase> Routes,
    bool NeedsInstance,
    int Version = 1,
    EquatableArray<string> Tables = default)
{
    /// <summary>An aggregate whose documents are keyed by the ids its routes return.</summary>
    public bool IsMultiStream => Routes.Count > 0;

    /// <summary>A single-stream aggregate, which also implements live aggregation.</summary>
    public bool IsLiveAggregation => IsAggregate && !IsMultiStream;
}
