using System.Text.RegularExpressions;

namespace ProjectionGen.Dashboard;

/// <summary>
/// Text the page may show: secrets masked in free text. Failures are described by the runtime's
/// <see cref="Hosting.SafeErrorText"/>, as in logs and health results.
/// </summary>
internal static partial class DashboardErrors
{
    /// <summary>Masks anything shaped like a password setting (<c>Password=...</c>, <c>pwd=...</c>) in free text such as exceptions.</summary>
    public static string? Mask(string? text) => text is null ? null : Secret().Replace(text, "$1=***");

    [GeneratedRegex(@"(?i)\b(password|pwd)\s*=\s*[^;'""\s]*")]
    private static partial Regex Secret();
}
