namespace ProjectionGen;

/// <summary>
/// Marks a class whose static methods convert old event shapes into current ones. The ProjectionGen source generator
/// lists them in <c>ProjectionGen.Generated.GeneratedUpcasters.All</c>; register that list with
/// <see cref="EventStore.EventTypeRegistry.AddUpcasters"/> so that every reader (projections, live aggregation, the
/// store's read API) sees the current type while the stored events keep their old type name and JSON.
/// </summary>
/// <remarks>
/// Two forms are recognised (see docs/generator.md):
/// <list type="bullet">
/// <item><description>From an old CLR type: <c>static TNew Upcast(TOld old)</c>. The old events are stored under the stored
/// name of <c>TOld</c> (its <see cref="EventTypeAttribute"/> or default name).</description></item>
/// <item><description>From raw JSON of a type that no longer exists in code: <c>[UpcastFrom("stored_name")] static TNew
/// AnyName(JsonElement json)</c>.</description></item>
/// </list>
/// Chains (v1 to v2 to v3) are followed; cycles, two upcasters of one source and upcasters that never run are compile errors.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EventUpcastersAttribute : Attribute
{
}
