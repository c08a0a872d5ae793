namespace ProjectionGen.Generators.Model;

/// <summary>One <c>case</c> of the generated type switch: the event type and the user methods it calls.</summary>
/// <param name="EventType">The fully qualified event type (<c>global::...</c>).</param>
/// <param name="Handle">An event projection's handler.</param>
/// <param name="Create">An aggregate's Create for this event type.</param>
/// <param name="Apply">An aggregate's Apply for this event type.</param>
/// <param name="ShouldDelete">An aggregate's ShouldDelete for this event type.</param>
internal sealed record EventCase(
    string EventType,
    MethodCall? Handle,
    MethodCall? Create,
    MethodCall? Apply,
    MethodCall? ShouldDelete);
