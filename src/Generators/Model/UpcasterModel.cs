namespace ProjectionGen.Generators.Model;

/// <summary>One upcaster method, as strings only, so the pipeline compares it by value.</summary>
/// <param name="ContainingType">The declaring class, fully qualified (<c>global::...</c>).</param>
/// <param name="MethodName">The method name.</param>
/// <param name="Display">The method as shown in messages, e.g. <c>Upcasters.Upcast(ItemAddedV1)</c>.</param>
/// <param name="SourceType">The old CLR type, fully qualified; null for a raw-JSON upcaster.</param>
/// <param name="SourceDisplay">The old type as shown in messages; null for a raw-JSON upcaster.</param>
/// <param name="SourceName">The stored name the upcaster reads: the old type's, or the <c>[UpcastFrom]</c> name.</param>
/// <param name="TargetType">The returned type, fully qualified.</param>
/// <param name="TargetDisplay">The returned type as shown in messages.</param>
/// <param name="TargetName">The returned type's stored name.</param>
internal sealed record UpcasterModel(
    string ContainingType,
    string MethodName,
    string Display,
    string? SourceType,
    string? SourceDisplay,
    string SourceName,
    string TargetType,
    string TargetDisplay,
    string TargetName)
{
    /// <summary>A raw-JSON upcaster (keyed by <see cref="SourceName"/>) rather than one from an old CLR type.</summary>
    public bool FromJson => SourceType is null;

    /// <summary>What the upcaster reads, as one key: the old type, or the stored name of a raw-JSON upcaster.</summary>
    public string SourceKey => SourceType ?? "json:" + SourceName;
}
