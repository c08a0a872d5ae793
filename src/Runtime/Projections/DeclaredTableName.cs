namespace ProjectionGen;

/// <summary>
/// The rule for an event projection's declared table names (<see cref="ProjectionAttribute.Tables"/>), checked where a
/// projection is described; the physical copies per generation are named in the versions layer (docs/versions.md,
/// "Event projections").
/// </summary>
internal static class DeclaredTableName
{
    /// <summary>The longest declared table name: the longest suffix (<c>_v999b</c>) still fits PostgreSQL's 63 bytes.</summary>
    public const int MaxLength = 48;

    /// <summary>Whether <paramref name="name"/> is a valid declared table: 1 to 48 lower-case letters, digits and underscores, starting with a letter.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
