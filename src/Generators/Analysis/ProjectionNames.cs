using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Resolves and validates projection names: explicit in the attribute, else the class name in snake_case.</summary>
internal static class ProjectionNames
{
    /// <summary>The longest valid name; the runtime derives lock keys and table names from it.</summary>
    public const int MaxLength = 48;

    /// <summary>The attribute's explicit name, or null when it has none.</summary>
    public static string? ExplicitName(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;

    /// <summary>The effective projection name of <paramref name="type"/>.</summary>
    public static string Resolve(INamedTypeSymbol type, AttributeData attribute) =>
        ExplicitName(attribute) ?? ToSnakeCase(type.Name);

    /// <summary>Whether <paramref name="name"/> matches <c>^[a-z][a-z0-9_]{0,47}$</c>.</summary>
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength
        && name[0] is >= 'a' and <= 'z'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary><c>OrderSummaryProjection</c> becomes <c>order_summary_projection</c>; <c>HTTPLog</c> becomes <c>http_log</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Where to report a name problem: the attribute's name argument when explicit, else the class name.</summary>
    public static Location Location(INamedTypeSymbol type, AttributeData attribute, System.Threading.CancellationToken cancellationToken)
    {
        if (ExplicitName(attribute) is not null
            && attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax syntax
            && syntax.ArgumentList is { Arguments.Count: > 0 } arguments)
        {
            return arguments.Arguments[0].GetLocation();
        }

        return type.Locations.FirstOrDefault() ?? Microsoft.CodeAnalysis.Location.None;
    }
}
