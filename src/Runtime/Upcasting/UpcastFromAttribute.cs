namespace ProjectionGen;

/// <summary>
/// Marks a static method of an <see cref="EventUpcastersAttribute"/> class that converts the raw JSON of events stored
/// under <see cref="StoredName"/> (a type that no longer exists in code) into a current event:
/// <c>[UpcastFrom("item_added_v0")] static ItemAddedV1 FromV0(JsonElement json)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class UpcastFromAttribute : Attribute
{
    /// <summary>Names the stored event type the method reads.</summary>
    /// <param name="storedName">The stored type name of the old events: not blank, at most 200 characters.</param>
    public UpcastFromAttribute(string storedName)
    {
        StoredName = storedName;
    }

    /// <summary>The stored type name of the old events.</summary>
    public string StoredName { get; }
}
