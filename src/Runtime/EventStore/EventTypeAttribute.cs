namespace ProjectionGen;

/// <summary>Gives an event type its stored name, instead of the snake_case of its class name.</summary>
/// <remarks>The name is what the store keeps: renaming the class keeps old events readable while the attribute stays.</remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class EventTypeAttribute : Attribute
{
    /// <summary>Names the event type.</summary>
    /// <param name="name">The stored name: not empty, at most 200 characters.</param>
    public EventTypeAttribute(string name)
    {
        Name = name;
    }

    /// <summary>The stored name.</summary>
    public string Name { get; }
}
