using System.Text.RegularExpressions;

namespace ProjectionGen.EventStore;

/// <summary>
/// A PostgreSQL identifier (schema, table, projection or channel name) from configuration, validated so that it can be
/// put into SQL text: lower-case letters, digits and underscores, starting with a letter or underscore, at most 63
/// characters (PostgreSQL's limit). It is always emitted quoted, so reserved words are harmless.
/// </summary>
public sealed partial class PostgresIdentifier : IEquatable<PostgresIdentifier>
{
    private PostgresIdentifier(string value)
    {
        Value = value;
        Quoted = "\"" + value + "\"";
    }

    /// <summary>The identifier as configured.</summary>
    public string Value { get; }

    /// <summary>The identifier quoted for SQL text.</summary>
    public string Quoted { get; }

    /// <summary>Whether <paramref name="value"/> is a valid identifier.</summary>
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>Validates <paramref name="value"/>.</summary>
    /// <param name="value">The configured name.</param>
    /// <param name="settingName">The setting it came from, named in the error (for example <c>EventStoreOptions.Schema</c>).</param>
    /// <exception cref="ArgumentException">The value is not a valid identifier.</exception>
    public static PostgresIdentifier Parse(string? value, string settingName)
    {
        ArgumentException.ThrowIfNullOrEmpty(settingName);
        if (!IsValid(value))
        {
            var shown = value is null ? "null" : "'" + (value.Length > 80 ? value[..80] + "..." : value) + "'";
            throw new ArgumentException(
                $"{settingName} {shown} is not a valid PostgreSQL identifier: use 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore.",
                settingName);
        }

        return new PostgresIdentifier(value!);
    }

    /// <summary>The quoted, schema-qualified name of <paramref name="name"/> in this schema.</summary>
    /// <param name="name">A relation or function name, validated like any identifier.</param>
    public string Qualify(string name) => Quoted + "." + Parse(name, nameof(name)).Quoted;

    /// <inheritdoc />
    public bool Equals(PostgresIdentifier? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PostgresIdentifier);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>The quoted identifier.</summary>
    public override string ToString() => Quoted;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
