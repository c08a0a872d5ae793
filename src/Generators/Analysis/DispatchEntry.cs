using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>A user method recognised for one event type, before it is grouped into <see cref="EventCase"/>s.</summary>
/// <param name="EventType">The event type symbol (for ordering and duplicate checks only; never enters the model).</param>
/// <param name="Role">Handle, Create, Apply or ShouldDelete.</param>
/// <param name="Call">How to call the method.</param>
internal sealed record DispatchEntry(ITypeSymbol EventType, string Role, MethodCall Call);
