namespace ProjectionGen.Generators.Model;

/// <summary>One <c>case</c> of a multi-stream projection's routing switch: the event type and its route method.</summary>
/// <param name="EventType">The fully qualified event type (<c>global::...</c>).</param>
/// <param name="Call">The <c>Identity</c> or <c>Identities</c> method.</param>
internal sealed record RouteCase(string EventType, MethodCall Call);
