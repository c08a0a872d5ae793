using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ProjectionGen.Operations;

/// <summary>Renders <see cref="ProjectionStatus"/> lists for people (a text table) and for tools (JSON), as <c>status</c> and <c>status --json</c> print them.</summary>
public static class ProjectionStatusFormatter
{
    private static readonly string[] Headers =
        ["PROJECTION", "OWNER", "EPOCH", "POSITION", "HIGH-WATER", "LAG", "LAG AGE", "LAST COMMIT", "STATE", "LAST LOSS", "DEAD LETTERS"];

    /// <summary>A fixed-width text table, one line per projection, with a header line.</summary>
    public static string ToTable(IReadOnlyList<ProjectionStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var rows = new List<string[]> { Headers };
        rows.AddRange(statuses.Select(s => new[]
        {
            s.Projection,
            s.Owner is null ? "-" : s.OwnerAlive ? s.Owner : s.Owner + " (no lock)",
            Invariant(s.Epoch),
            Invariant(s.Position),
            Invariant(s.HighWaterMark),
            Invariant(s.LagEvents),
            s.Lag == TimeSpan.Zero ? "0s" : s.Lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            Time(s.LastCommitAt),
            s.State,
            s.LastLossAt is null ? "-" : $"{Time(s.LastLossAt)} {s.LastLossCause}",
            Invariant(s.DeadLetterCount),
        }));
        var widths = Enumerable.Range(0, Headers.Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendJoin("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column])).ToArray()).AppendLine();
        }

        return text.ToString();
    }

    /// <summary>A JSON array, one object per projection, with camelCase names, ISO 8601 times and the lag in seconds.</summary>
    public static string ToJson(IReadOnlyList<ProjectionStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var s in statuses)
            {
                json.WriteStartObject();
                json.WriteString("projection", s.Projection);
                WriteNullable(json, "owner", s.Owner);
                json.WriteBoolean("ownerAlive", s.OwnerAlive);
                WriteNullable(json, "ownerSince", s.OwnerSince);
                json.WriteNumber("epoch", s.Epoch);
                json.WriteNumber("position", s.Position);
                json.WriteNumber("highWaterMark", s.HighWaterMark);
                json.WriteNumber("lagEvents", s.LagEvents);
                json.WriteNumber("lagSeconds", Math.Round(s.Lag.TotalSeconds, 3));
                WriteNullable(json, "lastCommitAt", s.LastCommitAt);
                json.WriteString("state", s.State);
                WriteNullable(json, "lastLossCause", s.LastLossCause);
                WriteNullable(json, "lastLossAt", s.LastLossAt);
                json.WriteNumber("deadLetterCount", s.DeadLetterCount);
                json.WriteString("readAt", s.ReadAt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, time);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
