namespace ProjectionGen.Generators.Analysis;

/// <summary>The method names the generator recognises.</summary>
internal static class MethodRoles
{
    /// <summary>An event projection's handler.</summary>
    public const string Handle = "Handle";

    /// <summary>Creates an aggregate's document from the stream's first event.</summary>
    public const string Create = "Create";

    /// <summary>Applies an event to an aggregate's document.</summary>
    public const string Apply = "Apply";

    /// <summary>Decides whether an event deletes an aggregate's document.</summary>
    public const string ShouldDelete = "ShouldDelete";

    /// <summary>Routes an event to one document of a multi-stream aggregate.</summary>
    public const string Identity = "Identity";

    /// <summary>Routes an event to several documents of a multi-stream aggregate.</summary>
    public const string Identities = "Identities";

    /// <summary>Whether <paramref name="name"/> is a route method name.</summary>
    public static bool IsRoute(string name) => name is Identity or Identities;

    /// <summary>Whether <paramref name="name"/> is an aggregate method name.</summary>
    public static bool IsAggregate(string name) => name is Create or Apply or ShouldDelete;
}
