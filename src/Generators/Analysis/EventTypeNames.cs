using System.Text;
using Microsoft.CodeAnalysis;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// The stored type name of an event type, as the runtime's <c>EventTypeRegistry</c> gives it by default: the
/// <c>[EventType("...")]</c> name, else the snake_case of the type name (same algorithm as <c>EventTypeRegistry.DefaultName</c>).
/// </summary>
internal static class EventTypeNames
{
    /// <summary>The longest stored name the runtime accepts.</summary>
    public const int MaxLength = 200;

    /// <summary>The stored name of <paramref name="type"/>.</summary>
    public static string Of(ITypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass
                && TypeFacts.Is(attributeClass, "ProjectionGen", "EventTypeAttribute")
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is string name)
            {
                return name;
            }
        }

        return DefaultName(type.Name);
    }

    /// <summary>Whether the runtime accepts <paramref name="name"/> as a stored name.</summary>
    public static bool IsValid(string? name) => !string.IsNullOrWhiteSpace(name) && name!.Length <= MaxLength;

    /// <summary><c>HTTPRequestSent</c> becomes <c>http_request_sent</c>, exactly as at run time.</summary>
    public static string DefaultName(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || endsAcronym) && builder.Length > 0 && builder[builder.Length - 1] != '_')
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
}
