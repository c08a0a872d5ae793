using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Versions;

namespace ProjectionGen.Operations;

/// <summary>
/// Watches a projection generation catch up, from the database alone (no daemon needed in this process): after a
/// rebuild in place (<see cref="ProjectionRebuilder"/>), or while a generation builds beside the live one (a shadow
/// rebuild or a switch back, <see cref="ProjectionVersionOperations"/>). Each sample carries the lowest position over
/// the generation's slots, the head (the safe high-water mark), the rate over the last samples and the estimated time
/// left (docs/operations.md, "Watching a catch-up").
/// </summary>
/// <remarks>
/// A watch ends with a <see cref="CatchUpProgress.Final"/> sample: caught up (<see cref="CatchUpProgress.CaughtUp"/>),
/// or a state that would never catch up by itself (a paused slot, a generation that is kept or retired). It never ends
/// for a generation that no node runs: its position stays where it is, so the caller bounds the watch with its
/// cancellation token. Database errors propagate.
/// </remarks>
public sealed class ProjectionCatchUpWatcher
{
    /// <summary>How many samples the rate is measured over.</summary>
    public const int RateWindow = 10;

    private readonly PostgresEventStore store;
    private readonly TimeProvider time;
    private readonly string slotsSql;
    private readonly string generationsSql;

    /// <summary>Creates a watcher on <paramref name="store"/>'s connections and schema.</summary>
    /// <param name="store">The event store (its data source and schema).</param>
    /// <param name="timeProvider">The clock of the samples, the rate and the interval; the system clock by default.</param>
    public ProjectionCatchUpWatcher(PostgresEventStore store, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        time = timeProvider ?? TimeProvider.System;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        slotsSql = $"SELECT projection, name, position, status, epoch FROM {schema.Qualify("progress")} WHERE projection = $1 OR starts_with(projection, $2) ORDER BY projection, shard, name";
        generationsSql = $"SELECT generation, state, slot_key FROM {schema.Qualify("projection_versions")} WHERE projection = $1";
    }

    /// <summary>
    /// Watches <paramref name="projection"/> replay after <see cref="ProjectionRebuilder.RebuildAsync"/>: samples every
    /// <paramref name="interval"/> until every slot (every shard) has reached the head read by the first sample, which
    /// ends the watch even while appends continue.
    /// </summary>
    /// <param name="projection">
    /// The projection name; the rebuilt generation is the one whose slots are still <c>rebuilding</c> at the first sample,
    /// else the live one, else the projection's own slots. A slot key (<c>name@v2</c>) names a generation exactly.
    /// </param>
    /// <param name="epoch">
    /// The rebuild's epoch (<see cref="ProjectionRebuildResult.Epoch"/>), if known: slots all at an older epoch are not
    /// the rebuilt ones, and the watch refuses them.
    /// </param>
    /// <param name="interval">The time between samples; positive.</param>
    /// <param name="cancellationToken">Ends the watch (the caller's timeout).</param>
    /// <exception cref="InvalidOperationException">The projection has no progress rows, or they are older than <paramref name="epoch"/>.</exception>
    public async IAsyncEnumerable<CatchUpProgress> WatchRebuildAsync(string projection, long? epoch, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var at = projection.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? projection : projection[..at];
        var key = at < 0 ? null : projection;
        var rate = new CatchUpRate(time, RateWindow);
        long? target = null;
        while (true)
        {
            var sample = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
            key ??= sample.Slots.Where(s => s.Status == "rebuilding").Select(s => s.Key).FirstOrDefault()
                ?? sample.Generations.Where(g => g.State == ProjectionVersionStates.Live).Select(g => g.SlotKey).FirstOrDefault()
                ?? name;
            var slots = sample.Slots.Where(s => s.Key == key).ToList();
            if (slots.Count == 0)
            {
                throw new InvalidOperationException($"Projection '{key}' has no progress rows: it was never rebuilt or run (or its generation was retired).");
            }

            if (epoch is { } rebuilt && slots.Max(s => s.Epoch) < rebuilt)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The slots of '{key}' are at epoch {slots.Max(s => s.Epoch)}, older than the rebuild's {rebuilt}: they are not the rebuilt ones (pass the generation's slot key, name@label)."));
            }

            target ??= sample.Mark;
            var position = slots.Min(s => s.Position);
            var slowest = slots.MinBy(s => s.Position)!;
            var generation = sample.Generations.FirstOrDefault(g => g.SlotKey == key).State;
            var progress = Progress(rate, key, slots.Count, position, sample.Mark, target.Value, slowest.Status);
            if (Stop(slots, generation, key) is { } stop)
            {
                yield return progress with { State = stop.State, Final = true, Detail = stop.Detail };
                yield break;
            }

            if (position >= target)
            {
                yield return progress with { CaughtUp = true, State = "caught-up", Final = true };
                yield break;
            }

            yield return progress;
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Watches generation <paramref name="generation"/> of <paramref name="projection"/> build beside the live one (after
    /// <see cref="ProjectionVersionOperations.StartShadowRebuildAsync"/>, <see cref="ProjectionVersionOperations.SwitchBackAsync"/>,
    /// or a node of a newer version joining): samples every <paramref name="interval"/> until readers have been
    /// switched to it (its state is <c>live</c>).
    /// </summary>
    /// <param name="projection">The projection name.</param>
    /// <param name="generation">The generation's label (<c>v1b</c>, <c>v2</c>...).</param>
    /// <param name="interval">The time between samples; positive.</param>
    /// <param name="cancellationToken">Ends the watch (the caller's timeout).</param>
    /// <exception cref="ArgumentException"><paramref name="generation"/> is not a generation label.</exception>
    /// <exception cref="InvalidOperationException">The projection has no such generation.</exception>
    public async IAsyncEnumerable<CatchUpProgress> WatchGenerationAsync(string projection, string generation, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        ArgumentException.ThrowIfNullOrEmpty(generation);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var key = (ProjectionGeneration.Parse(projection, generation)
            ?? throw new ArgumentException($"'{generation}' is not a generation label (v1, v1b, v2, ...).", nameof(generation))).Key;
        var rate = new CatchUpRate(time, RateWindow);
        while (true)
        {
            var sample = await ReadAsync(projection, cancellationToken).ConfigureAwait(false);
            var row = sample.Generations.FirstOrDefault(g => g.Label == generation);
            if (row.State is null)
            {
                throw new InvalidOperationException($"Projection '{projection}' has no generation {generation}.");
            }

            var slots = sample.Slots.Where(s => s.Key == row.SlotKey).ToList();
            var position = slots.Count == 0 ? 0 : slots.Min(s => s.Position);
            var progress = Progress(rate, row.SlotKey, slots.Count, position, sample.Mark, sample.Mark, row.State);
            if (row.State == ProjectionVersionStates.Live)
            {
                yield return progress with { CaughtUp = true, Final = true };
                yield break;
            }

            if (Stop(slots, row.State, row.SlotKey) is { } stop)
            {
                yield return progress with { State = stop.State, Final = true, Detail = stop.Detail };
                yield break;
            }

            yield return progress;
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private CatchUpProgress Progress(CatchUpRate rate, string key, int slots, long position, long head, long target, string state)
    {
        rate.Add(time.GetTimestamp(), position);
        return new CatchUpProgress(position, head, rate.PerSecond, rate.Estimate(target - position), false, state)
        {
            Target = target,
            SlotKey = key,
            Slots = slots,
            SampledAt = time.GetUtcNow(),
        };
    }

    /// <summary>Why a watch ends without catching up: a paused slot, or a generation the nodes do not run.</summary>
    private static (string State, string Detail)? Stop(List<Slot> slots, string? generation, string key)
    {
        if (slots.FirstOrDefault(s => s.Status == "paused") is { } paused)
        {
            return ("paused", string.Create(CultureInfo.InvariantCulture, $"slot '{paused.Name}' is paused at position {paused.Position} by a poison event: fix it, then resume the projection (docs/operations.md, \"Status and rebuild\")"));
        }

        if (generation is not null && !ProjectionVersionStates.IsProjected(generation))
        {
            return (generation, $"generation '{key}' is {generation}: no node projects it (docs/versions.md)");
        }

        return null;
    }

    private async Task<Sample> ReadAsync(string projection, CancellationToken cancellationToken)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The mark first: a position read afterwards can only be closer to it.
            var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken).ConfigureAwait(false);
            var slots = new List<Slot>();
            await using (var command = new NpgsqlCommand(slotsSql, connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection + "@" });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    slots.Add(new Slot(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4)));
                }
            }

            var generations = new List<(string Label, string State, string SlotKey)>();
            await using (var command = new NpgsqlCommand(generationsSql, connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    generations.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                }
            }

            return new Sample(mark, slots, generations);
        }
    }

    private sealed record Slot(string Key, string Name, long Position, string Status, long Epoch);

    private sealed record Sample(long Mark, List<Slot> Slots, List<(string Label, string State, string SlotKey)> Generations);
}
