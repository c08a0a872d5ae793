namespace ProjectionGen;

/// <summary>The limit on a stored event type name, shared by the registry and the upcasters.</summary>
internal static class EventTypeNames
{
    /// <summary>The longest accepted type name.</summary>
    public const int MaxLength = 200;
}
