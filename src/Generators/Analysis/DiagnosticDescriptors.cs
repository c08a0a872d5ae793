using Microsoft.CodeAnalysis;

namespace ProjectionGen.Generators.Analysis;

/// <summary>The catalogue of every ProjectionGen diagnostic; IDs are tracked in AnalyzerReleases.*.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ProjectionGen";

    /// <summary>PGEN001: the class is not partial.</summary>
    public static readonly DiagnosticDescriptor NotPartial = Error(
        "PGEN001",
        "Projection class must be partial",
        "Projection class '{0}' must be declared partial so that the generator can implement IGeneratedProjection for it; add the 'partial' modifier");

    /// <summary>PGEN002: nested in a way the generator cannot serve.</summary>
    public static readonly DiagnosticDescriptor UnsupportedNesting = Error(
        "PGEN002",
        "Nested projection class cannot be generated",
        "Projection class '{0}' is nested in '{1}', {2}");

    /// <summary>PGEN003: generic class.</summary>
    public static readonly DiagnosticDescriptor Generic = Error(
        "PGEN003",
        "Projection class must not be generic",
        "Projection class '{0}' is generic, and the generated registration cannot create an open generic projection; remove its type parameters (derive a non-generic projection per closed type)");

    /// <summary>PGEN004: static or abstract class.</summary>
    public static readonly DiagnosticDescriptor StaticOrAbstract = Error(
        "PGEN004",
        "Projection class must be instantiable",
        "Projection class '{0}' is {1}, but the generated registration creates an instance of it; remove the '{1}' modifier");

    /// <summary>PGEN005: a handler's signature cannot be dispatched.</summary>
    public static readonly DiagnosticDescriptor UnusableSignature = Error(
        "PGEN005",
        "Projection method has an unusable signature",
        "Method '{0}' cannot be dispatched: {1}");

    /// <summary>PGEN006: two methods of the same role take the same event type.</summary>
    public static readonly DiagnosticDescriptor DuplicateHandler = Error(
        "PGEN006",
        "Two projection methods handle the same event type",
        "Method '{0}' handles event type '{1}', which '{2}' already handles; merge them into one method");

    /// <summary>PGEN007: no handler at all.</summary>
    public static readonly DiagnosticDescriptor NoHandler = Error(
        "PGEN007",
        "Projection has no handler",
        "Projection class '{0}' has no handler method; add 'Handle(TEvent e)' methods (event projection) or 'Create', 'Apply' and 'ShouldDelete' methods (aggregate projection)");

    /// <summary>PGEN008: invalid projection name.</summary>
    public static readonly DiagnosticDescriptor InvalidName = Error(
        "PGEN008",
        "Projection name is invalid",
        "Projection name '{0}' of '{1}' is invalid: it must start with a lowercase letter and contain only lowercase letters, digits and underscores, at most 48 characters; pass a valid name to [Projection(\"...\")]");

    /// <summary>PGEN009: two projections of the compilation share a name.</summary>
    public static readonly DiagnosticDescriptor DuplicateName = Error(
        "PGEN009",
        "Projection name is used twice",
        "Projection name '{0}' of '{1}' is also used by '{2}'; projection names key progress rows and locks, so give one of them another name with [Projection(\"...\")]",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN010: an aggregate method returns the wrong type.</summary>
    public static readonly DiagnosticDescriptor WrongReturnType = Error(
        "PGEN010",
        "Aggregate method has a wrong return type",
        "Method '{0}' returns '{1}' but must return {2}; change its return type");

    /// <summary>PGEN011: aggregate methods disagree on the document type.</summary>
    public static readonly DiagnosticDescriptor MismatchedDocumentType = Error(
        "PGEN011",
        "Aggregate methods disagree on the document type",
        "Method '{0}' uses document type '{1}', but the projection's document type is '{2}' (from '{3}'); use one document class in every Create, Apply and ShouldDelete method");

    /// <summary>PGEN012: Handle mixed with aggregate methods.</summary>
    public static readonly DiagnosticDescriptor MixedShapes = Error(
        "PGEN012",
        "Projection mixes event handlers and aggregate methods",
        "Projection class '{0}' has both Handle methods and Create/Apply/ShouldDelete methods; split it into an event projection and an aggregate projection");

    /// <summary>PGEN013: no accessible parameterless constructor.</summary>
    public static readonly DiagnosticDescriptor NoParameterlessConstructor = Error(
        "PGEN013",
        "Projection class needs a parameterless constructor",
        "Projection class '{0}' has no public or internal parameterless constructor, which the generated registration calls; add one");

    /// <summary>PGEN014: the aggregate's document type cannot be determined.</summary>
    public static readonly DiagnosticDescriptor UnknownDocumentType = Error(
        "PGEN014",
        "Aggregate projection has no document type",
        "Aggregate projection '{0}' has only ShouldDelete methods, so its document type is unknown; add 'Create(TEvent e)' returning the document or 'Apply(TEvent e, TDocument doc)'");

    /// <summary>PGEN015: the document table name is invalid or one of ProjectionGen's own.</summary>
    public static readonly DiagnosticDescriptor InvalidTableName = Error(
        "PGEN015",
        "Document table name is invalid or reserved",
        "Document table '{0}' of '{1}' is {2}; choose another TableName");

    /// <summary>PGEN016: two aggregate projections share a document table.</summary>
    public static readonly DiagnosticDescriptor DuplicateTableName = Error(
        "PGEN016",
        "Two aggregate projections share a document table",
        "Projection '{0}' keeps its documents in table '{1}', which projection '{2}' uses too: their batches would overwrite each other's documents and a rebuild of either would delete the other's; give one of them another TableName",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN017: an async void handler or Apply.</summary>
    public static readonly DiagnosticDescriptor AsyncVoid = Error(
        "PGEN017",
        "Projection method is async void",
        "Method '{0}' is 'async void': the batch would commit before the work after its first await ran, and an exception there would crash the process; {1}");

    /// <summary>PGEN018: a method for a base event type would not receive the events of a derived type.</summary>
    public static readonly DiagnosticDescriptor BaseEventType = Error(
        "PGEN018",
        "Projection method would not receive derived events",
        "Method '{0}' handles '{1}', but a method receives only the events stored as exactly its type: {2}");

    /// <summary>PGEN019: the projection's Version is out of range, or set on an event projection.</summary>
    public static readonly DiagnosticDescriptor InvalidVersion = Error(
        "PGEN019",
        "Projection version is invalid",
        "Projection '{0}' has Version = {1}, which {2}");

    /// <summary>PGEN020: an event projection's declared table is invalid, reserved, repeated or another projection's.</summary>
    public static readonly DiagnosticDescriptor InvalidDeclaredTable = Error(
        "PGEN020",
        "Declared table is invalid",
        "Projection '{0}' declares the table '{1}', which is {2} (docs/versions.md, \"Event projections\")",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN030: a route method (Identity, Identities) cannot be used.</summary>
    public static readonly DiagnosticDescriptor UnusableRoute = Error(
        "PGEN030",
        "Route method cannot be used",
        "Route '{0}' cannot be used: {1}");

    /// <summary>PGEN031: a route returns something other than a document id.</summary>
    public static readonly DiagnosticDescriptor WrongIdType = Error(
        "PGEN031",
        "Route returns an unsupported document id type",
        "Route '{0}' returns '{1}', but {2}; change its return type");

    /// <summary>PGEN032: routes of one projection return different id types.</summary>
    public static readonly DiagnosticDescriptor MixedIdTypes = Error(
        "PGEN032",
        "Routes disagree on the document id type",
        "Route '{0}' returns '{1}' ids, but the projection's documents have '{2}' ids (from '{3}'); return one id type from every Identity and Identities method");

    /// <summary>PGEN033: a multi-stream projection handles an event type that no route covers.</summary>
    public static readonly DiagnosticDescriptor UnroutedEvent = Error(
        "PGEN033",
        "Event is handled but never routed to a document",
        "Method '{0}' handles event type '{1}', but multi-stream projection '{2}' has no route for it, so it would never reach a document; add 'static {3} Identity({1} e)' (or 'Identities') returning the id of the document it updates");

    /// <summary>PGEN034: a route for an event type that no method handles.</summary>
    public static readonly DiagnosticDescriptor RouteWithoutHandler = Error(
        "PGEN034",
        "Route for an event type that nothing handles",
        "Route '{0}' routes event type '{1}', but no Create, Apply or ShouldDelete method of the projection takes it (or a type derived from it), so the routed events would change nothing; remove the route or handle the event");

    /// <summary>PGEN035: a multi-stream projection asks for shards.</summary>
    public static readonly DiagnosticDescriptor ShardedMultiStream = Error(
        "PGEN035",
        "Multi-stream projection cannot be sharded",
        "Projection '{0}' is multi-stream (its documents gather events of many streams), so it cannot have Shards = {1}: shards split events by stream id, and two shards would write the same document under different locks; remove Shards");

    /// <summary>PGEN040: an upcaster's signature cannot be used.</summary>
    public static readonly DiagnosticDescriptor UnusableUpcaster = Error(
        "PGEN040",
        "Upcaster cannot be used",
        "Upcaster '{0}' cannot be used: {1}");

    /// <summary>PGEN041: two upcasters read one source.</summary>
    public static readonly DiagnosticDescriptor DuplicateUpcaster = Error(
        "PGEN041",
        "Two upcasters read the same stored events",
        "Upcaster '{0}' reads {1}, which '{2}' already reads; keep one of them",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN042: upcasters form a cycle.</summary>
    public static readonly DiagnosticDescriptor UpcasterCycle = Error(
        "PGEN042",
        "Upcasters form a cycle",
        "Upcaster '{0}' is part of a cycle ({1}), so reading an event would never end; the newest type of a chain must have no upcaster",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN043: a raw-JSON upcaster takes a stored name that an event type in code has, so an upcaster never runs or a type's events are never read as that type.</summary>
    public static readonly DiagnosticDescriptor UnreachableUpcaster = Error(
        "PGEN043",
        "Upcaster is unreachable or hides an event type",
        "Upcaster '{0}' reads raw JSON stored as '{1}', which is the stored name of event type '{2}', so {3}; a raw-JSON upcaster is for a name that no type in code has any more (for an old type that still exists write 'Upcast({2} old)')",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN044: a projection handles an event type that an upcaster converts away.</summary>
    public static readonly DiagnosticDescriptor HandlerOfUpcastType = Error(
        "PGEN044",
        "Projection handles an event type that is always upcast",
        "Method '{0}' takes event type '{1}', but '{2}' upcasts every '{1}' to '{3}' when it is read, so the method never runs; take '{4}' instead",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>PGEN060 (information): a type a projection serializes keeps the options' own JSON resolver.</summary>
    public static readonly DiagnosticDescriptor JsonContractFallback = new(
        "PGEN060",
        "Type keeps the serializer options' own JSON resolver",
        "Projection '{0}' serializes '{1}' without a generated JSON contract ({2}): it keeps the options' own resolver, reflection unless the application passes a resolver that covers it (docs/generator.md, JSON contracts)",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true);
    /// <summary>PGEN050: a [ProjectionRow] type is not partial.</summary>
    public static readonly DiagnosticDescriptor RowNotPartial = Error(
        "PGEN050",
        "Projection row type must be partial",
        "Projection row type '{0}' must be declared partial so that the generator can implement IProjectionRow for it; add the 'partial' modifier");

    /// <summary>PGEN051: a [ProjectionRow] table name is invalid or reserved.</summary>
    public static readonly DiagnosticDescriptor InvalidRowTable = Error(
        "PGEN051",
        "Projection row table name is invalid or reserved",
        "Table '{0}' of projection row type '{1}' cannot be used: {2}; pass another name to [ProjectionRow(\"...\")]");

    /// <summary>PGEN052: a [ProjectionRow] property has a type that is not a supported column type.</summary>
    public static readonly DiagnosticDescriptor UnsupportedRowColumn = Error(
        "PGEN052",
        "Projection row property has an unsupported column type",
        "Property '{0}' of projection row type '{1}' has type '{2}', which is not a supported column type ({3}); change its type, or make it non-public to leave it out of the row");

    /// <summary>PGEN053: a [ProjectionRow] type cannot be generated for another reason.</summary>
    public static readonly DiagnosticDescriptor UnusableRow = Error(
        "PGEN053",
        "Projection row type cannot be used",
        "Projection row type '{0}' cannot be used: {1}");

    private static DiagnosticDescriptor Error(string id, string title, string message, params string[] customTags) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, customTags: customTags);
}
