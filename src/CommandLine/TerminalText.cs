using System.Globalization;
using System.Text;

namespace ProjectionGen.CommandLine;

/// <summary>
/// Text from the database (stream ids, payloads, error messages, node names) made inert for a terminal: control
/// characters (an escape sequence could rewrite the screen or the title) and the bidirectional overrides are written as
/// <c>\uXXXX</c>; line breaks and tabs stay.
/// </summary>
internal static class TerminalText
{
    /// <summary><paramref name="text"/> with every character a terminal would act on escaped.</summary>
    public static string Inert(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        if (!text.Any(IsActive))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsActive(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool IsActive(char c) =>
        (char.IsControl(c) && c is not '\n' and not '\t')
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';
}
