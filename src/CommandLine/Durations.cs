using System.Globalization;

namespace ProjectionGen.CommandLine;

/// <summary>Durations on the command line: a number and a unit, <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>7d</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 1_000_000)
        {
            return false;
        }

        TimeSpan? span = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
        duration = span ?? default;
        return span is not null;
    }

    /// <summary>As <see cref="TryParse"/>; a usage failure naming <paramref name="option"/> otherwise.</summary>
    public static TimeSpan Parse(string text, string option) => TryParse(text, out var duration)
        ? duration
        : throw new CommandFailedException($"{option} '{text}' is not a duration (90s, 30m, 2h, 7d)", ProjectionGenExitCodes.Usage);
}
