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
            OwnerCell(s),
            Invariant(s.Epoch),
            Invariant(s.Position),
            Invariant(s.HighWaterMark),
            Invariant(s.LagEvents),
            LagAgeCell(s),
            Time(s.LastCommitAt),
            s.State,
            s.LastLossAt is null ? "-" : $"{Time(s.LastLossAt)} {s.LastLossCause}",
            Invariant(s.DeadLetterCount),
        }));
        return Render(rows);
    }

    private static string Render(List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendJoin("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column])).ToArray()).AppendLine();
        }

        return text.ToString();
    }

    private static readonly string[] VersionHeaders = ["PROJECTION", "GENERATION", "VERSION", "STATE", "TABLE", "POSITION", "LAG", "BUILD STARTED", "SWITCHED"];

    private static readonly string[] NodeHeaders = ["NODE", "ALIVE", "LAST HEARTBEAT", "SLOTS", "CAPACITY", "DRAINING", "TAGS", "VERSION"];

    /// <summary>The nodes (a table), then every slot (see <see cref="ToTable(IReadOnlyList{ProjectionStatus})"/>), any foreign lock holder, then every generation (docs/versions.md).</summary>
    public static string ToTable(ClusterStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var rows = new List<string[]> { NodeHeaders };
        rows.AddRange(status.Nodes.Select(n => new[]
        {
            n.Name,
            n.Alive ? "yes" : "no",
            $"{Time(n.LastHeartbeat)} ({n.HeartbeatAge.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s ago)",
            Invariant(n.SlotsOwned),
            n.Capacity is { } capacity ? Invariant(capacity) : "-",
            n.Draining ? "yes" : "no",
            n.Tags.Count == 0 ? "-" : string.Join(",", n.Tags),
            n.Version ?? "-",
        }));
        var text = new StringBuilder(Render(rows)).AppendLine().Append(ToTable(status.Slots));
        foreach (var slot in status.Slots.Where(s => s.ForeignHolder is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"WARNING: the lock of {slot.Projection} is held by a session that is no node's lock session ({slot.ForeignHolder}); the slot cannot run until it lets go (see docs/operations.md).");
        }

        if (status.AppendsBlockedBy is { } blocker)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"WARNING: the append marker is held exclusively by {blocker}: every append waits (see docs/operations.md).");
        }

        if (status.Versions.Count > 0)
        {
            var versions = new List<string[]> { VersionHeaders };
            versions.AddRange(status.Versions.Select(v => new[]
            {
                v.Projection,
                v.Generation,
                Invariant(v.Version),
                v.State,
                v.TableName,
                v.Position is { } position ? Invariant(position) : "-",
                v.Position is null ? "-" : Invariant(v.Lag),
                Time(v.BuildStartedAt),
                Time(v.SwitchedAt),
            }));
            text.AppendLine().Append(Render(versions));
        }

        return text.ToString();
    }

    /// <summary>
    /// A JSON object <c>{ "nodes": [...], "projections": [...], "appendsBlockedBy": ..., "versions": [...] }</c>: the nodes,
    /// one object per slot as <see cref="ToJson(IReadOnlyList{ProjectionStatus})"/> writes them, and every generation.
    /// </summary>
    public static string ToJson(ClusterStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("nodes");
            foreach (var n in status.Nodes)
            {
                json.WriteStartObject();
                json.WriteString("name", n.Name);
                json.WriteBoolean("alive", n.Alive);
                json.WriteBoolean("draining", n.Draining);
                json.WriteString("lastHeartbeat", n.LastHeartbeat);
                json.WriteNumber("heartbeatAgeSeconds", Math.Round(n.HeartbeatAge.TotalSeconds, 3));
                json.WriteNumber("slotsOwned", n.SlotsOwned);
                if (n.Capacity is { } capacity)
                {
                    json.WriteNumber("capacity", capacity);
                }
                else
                {
                    json.WriteNull("capacity");
                }

                json.WriteStartArray("tags");
                n.Tags.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
                json.WriteStartArray("projections");
                n.Projections.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
                WriteNullable(json, "version", n.Version);
                json.WriteString("startedAt", n.StartedAt);
                json.WriteNumber("lockBackendPid", n.LockBackendPid);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WritePropertyName("projections");
            WriteSlots(json, status.Slots);
            WriteNullable(json, "appendsBlockedBy", status.AppendsBlockedBy);
            json.WriteStartArray("versions");
            foreach (var v in status.Versions)
            {
                json.WriteStartObject();
                json.WriteString("projection", v.Projection);
                json.WriteString("generation", v.Generation);
                json.WriteNumber("version", v.Version);
                json.WriteString("state", v.State);
                json.WriteString("slotKey", v.SlotKey);
                json.WriteString("table", v.TableName);
                json.WriteNumber("shardCount", v.Shards);
                json.WriteNumber("slots", v.Slots);
                if (v.Position is { } position)
                {
                    json.WriteNumber("position", position);
                    json.WriteNumber("lagEvents", v.Lag);
                }
                else
                {
                    json.WriteNull("position");
                    json.WriteNull("lagEvents");
                }

                json.WriteString("createdAt", v.CreatedAt);
                WriteNullable(json, "buildStartedAt", v.BuildStartedAt);
                WriteNullable(json, "switchedAt", v.SwitchedAt);
                WriteNullable(json, "retiredAt", v.RetiredAt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A JSON array, one object per projection, with camelCase names, ISO 8601 times and the lag in seconds.</summary>
    public static string ToJson(IReadOnlyList<ProjectionStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteSlots(json, statuses);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A slot's owner as the tables show it: <c>-</c>, the node, or the node with <c>(no lock)</c>.</summary>
    internal static string OwnerCell(ProjectionStatus s) => s.Owner is null ? "-" : s.OwnerAlive ? s.Owner : s.Owner + " (no lock)";

    /// <summary>A slot's lag age as the tables show it, for example <c>1.5s</c>.</summary>
    internal static string LagAgeCell(ProjectionStatus s) => s.Lag == TimeSpan.Zero ? "0s" : s.Lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    private static void WriteSlots(Utf8JsonWriter json, IReadOnlyList<ProjectionStatus> statuses)
    {
        json.WriteStartArray();
        foreach (var s in statuses)
        {
            WriteSlot(json, s, null);
        }

        json.WriteEndArray();
    }

    /// <summary>One slot's object as <c>status --json</c> writes it, with a leading <c>tenant</c> field when <paramref name="tenant"/> is given.</summary>
    internal static void WriteSlot(Utf8JsonWriter json, ProjectionStatus s, string? tenant)
    {
        json.WriteStartObject();
        if (tenant is not null)
        {
            json.WriteString("tenant", tenant);
        }

        json.WriteString("projection", s.Projection);
        json.WriteNumber("shard", s.Shard);
        json.WriteNumber("shardCount", s.ShardCount);
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
        WriteNullable(json, "foreignHolder", s.ForeignHolder);
        json.WriteString("readAt", s.ReadAt);
        json.WriteEndObject();
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
