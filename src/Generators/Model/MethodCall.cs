namespace ProjectionGen.Generators.Model;

/// <summary>How the generated code calls one user method.</summary>
/// <param name="MethodName">The method name (Handle, Create, Apply, ShouldDelete, Identity, Identities).</param>
/// <param name="Arguments">What to pass, in parameter order.</param>
/// <param name="IsAwaitable">The method returns Task or ValueTask and is awaited.</param>
/// <param name="ReturnsDocument">An Apply method that returns the replacement document instead of mutating.</param>
/// <param name="IsStatic">A static method; generated static code (live aggregation) calls an instance method on an instance.</param>
internal sealed record MethodCall(
    string MethodName,
    EquatableArray<ArgumentKind> Arguments,
    bool IsAwaitable,
    bool ReturnsDocument,
    bool IsStatic = true);
