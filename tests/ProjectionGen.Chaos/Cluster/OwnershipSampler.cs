using System.Diagnostics;
using Npgsql;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// Samples <c>pg_locks</c> joined with <c>pg_stat_activity</c>, in the background and on demand, and checks every
/// sample: I7 no exclusive advisory lock is granted to two sessions, I9 no slot is held by two lock connections, and
/// any watch a test adds (for example "n3 never holds chaos_ledger"). Keeps the timeline of distinct distributions
/// for failure messages.
/// </summary>
internal sealed class OwnershipSampler(NpgsqlDataSource dataSource, SlotMap slots)
{
    private const string LockPrefix = "projectiongen-lock:";

    private const string Sql = """
        SELECT coalesce(a.application_name, ''), l.pid, l.classid::bigint, l.objid::bigint
        FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.mode = 'ExclusiveLock'
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """;

    // The generations' states decide which slots the cluster runs (docs/versions.md); the schema is the fault suite's.
    private const string VersionsSql = "SELECT projection, generation, state FROM projectiongen.projection_versions";

    private readonly Lock gate = new();
    private const int MaxKeptViolations = 500;

    private readonly List<string> violations = [];
    private readonly List<(string Name, Func<OwnershipSnapshot, string?> Check)> watches = [];
    private readonly List<string> timeline = [];
    private string? lastDistribution;
    private int samples;

    public SlotMap Slots => slots;

    public int Samples { get { lock (gate) { return samples; } } }

    /// <summary>The violations seen (the first 500; <see cref="ViolationCount"/> counts them all).</summary>
    public IReadOnlyList<string> Violations { get { lock (gate) { return [.. violations]; } } }

    public int ViolationCount { get; private set; }

    /// <summary>The latest sample, or null before the first.</summary>
    public OwnershipSnapshot? Latest { get; private set; }

    /// <summary>Checks <paramref name="check"/> against every later sample; a non-null result is a violation.</summary>
    public void Watch(string name, Func<OwnershipSnapshot, string?> check)
    {
        lock (gate)
        {
            watches.Add((name, check));
        }
    }

    /// <summary>The last <paramref name="count"/> distinct distributions with their time, for failure messages.</summary>
    public string Timeline(int count = 25)
    {
        lock (gate)
        {
            return string.Join(Environment.NewLine, timeline.TakeLast(count));
        }
    }

    /// <summary>Samples until <paramref name="stop"/>; server outages are waited out.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(stop);
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                // The server is restarting; sample again when it is back.
                await Task.Delay(interval, CancellationToken.None);
            }
        }
    }

    /// <summary>Takes one sample, checks it, and returns it.</summary>
    public async Task<OwnershipSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(string Application, int Pid, long ClassId, long ObjId)>();
        var states = new Dictionary<(string, string), string>();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await using (var command = new NpgsqlCommand(VersionsSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    states[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
                }
            }

            await using (var command = new NpgsqlCommand(Sql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3)));
                }
            }
        }

        var timestamp = Stopwatch.GetTimestamp();
        var time = DateTimeOffset.UtcNow;
        var holders = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.Application.StartsWith(LockPrefix, StringComparison.Ordinal)))
        {
            if (slots.SlotOf(row.ClassId, row.ObjId) is { } slot)
            {
                holders[slot] = [.. holders.GetValueOrDefault(slot) ?? [], row.Application[LockPrefix.Length..]];
            }
        }

        var snapshot = new OwnershipSnapshot(timestamp, time, holders, slots.ProjectedSlots(states));
        lock (gate)
        {
            samples++;
            Latest = snapshot;
            foreach (var twice in rows.GroupBy(r => (r.ClassId, r.ObjId)).Where(g => g.Select(r => r.Pid).Distinct().Count() > 1))
            {
                AddViolation($"I7 advisory lock {twice.Key.ClassId}:{twice.Key.ObjId} granted to {string.Join(" and ", twice.Select(r => $"{r.Application}({r.Pid})"))} at {time:HH:mm:ss.fff}");
            }

            foreach (var (slot, nodes) in snapshot.Doubled)
            {
                AddViolation($"I9 slot {slot} held by the lock connections of {string.Join(" and ", nodes)} at {time:HH:mm:ss.fff}");
            }

            foreach (var (name, check) in watches)
            {
                if (check(snapshot) is { } problem)
                {
                    AddViolation($"{name}: {problem} at {time:HH:mm:ss.fff} ({snapshot.Describe()})");
                }
            }

            var distribution = snapshot.Describe();
            if (distribution != lastDistribution)
            {
                lastDistribution = distribution;
                timeline.Add($"{time:HH:mm:ss.fff} {distribution}");
            }
        }

        return snapshot;
    }

    private void AddViolation(string violation)
    {
        ViolationCount++;
        if (violations.Count < MaxKeptViolations)
        {
            violations.Add(violation);
        }
    }
}
