using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// Document table names as the runtime derives them (the attribute's <c>TableName</c>, else <c>doc_</c> + the projection
/// name) and the names no document table may take. <see cref="Reserved"/> mirrors the runtime's
/// <c>ProjectionGen.Daemon.DocumentTableNames.Reserved</c>, which the generator cannot reference; a test keeps them equal.
/// </summary>
internal static class DocumentTableNames
{
    /// <summary>ProjectionGen's own tables and sequences in the store's schema.</summary>
    public static readonly ImmutableArray<string> Reserved = ImmutableArray.Create(
        "events", "events_seq", "streams", "progress", "dead_letters", "dead_letters_id_seq", "schema_version", "nodes", "projection_history", "projection_history_id_seq", "projection_versions", "projection_shapes", "tenant_streams", "tenant_databases", "tenant_database_status");

    private const string TableNameArgument = "TableName";

    /// <summary>The attribute's explicit <c>TableName</c>, or null.</summary>
    public static string? Explicit(AttributeData attribute) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == TableNameArgument).Value.Value as string;

    /// <summary>The document table of a projection named <paramref name="projectionName"/>.</summary>
    public static string Effective(string projectionName, string? tableName) => tableName ?? "doc_" + projectionName;

    /// <summary>Whether <paramref name="name"/> is a PostgreSQL identifier the runtime accepts: <c>^[a-z_][a-z0-9_]{0,62}$</c>.</summary>
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 63
        && name[0] is (>= 'a' and <= 'z') or '_'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private const string TablesArgument = "Tables";

    /// <summary>The longest declared table of an event projection; mirrors the runtime's <c>EventTables.MaxNameLength</c>.</summary>
    public const int MaxDeclaredLength = 48;

    /// <summary>The attribute's declared <c>Tables</c> of an event projection (docs/versions.md); empty when none (a null entry is kept as an empty string).</summary>
    public static ImmutableArray<string> Declared(AttributeData attribute)
    {
        var argument = attribute.NamedArguments.FirstOrDefault(a => a.Key == TablesArgument).Value;
        return argument.Kind == TypedConstantKind.Array && !argument.IsNull
            ? argument.Values.Select(v => v.Value as string ?? "").ToImmutableArray()
            : ImmutableArray<string>.Empty;
    }

    /// <summary>Whether <paramref name="name"/> is a valid declared table: 1 to 48 lower-case letters, digits and underscores, starting with a letter.</summary>
    public static bool IsValidDeclared(string name) =>
        name.Length is > 0 and <= MaxDeclaredLength
        && name[0] is >= 'a' and <= 'z'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>
    /// Every relation an event projection of <paramref name="version"/> that declares <paramref name="tables"/> owns: a
    /// view per table and its copy per generation (<c>_v1</c>, <c>_v1b</c>, ... up to its version); mirrors the runtime.
    /// </summary>
    public static System.Collections.Generic.IEnumerable<string> OwnedByEventProjection(ImmutableArray<string> tables, int version)
    {
        foreach (var table in tables)
        {
            yield return table;
            for (var v = 1; v <= version; v++)
            {
                yield return table + "_v" + v.ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return table + "_v" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "b";
            }
        }
    }

    /// <summary>Where to report a declared-table problem: the <c>Tables</c> argument, else the projection name's location.</summary>
    public static Location TablesLocation(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments }
            && arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == TablesArgument) is { } argument)
        {
            return argument.Expression.GetLocation();
        }

        return ProjectionNames.Location(type, attribute, cancellationToken);
    }

    /// <summary>Where to report a table problem: the <c>TableName</c> argument when explicit, else the projection name's location.</summary>
    public static Location Location(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments }
            && arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == TableNameArgument) is { } argument)
        {
            return argument.Expression.GetLocation();
        }

        return ProjectionNames.Location(type, attribute, cancellationToken);
    }
}
