using Npgsql;

namespace ProjectionGen.EventStore;

/// <summary>
/// One safe high-water mark for all of a node's idle agents: an idle agent asks it whether there is anything to read
/// before it takes a connection, and one read (single flight) answers every agent that asks within the same window.
/// With hundreds of idle slots on a node this turns hundreds of connection checkouts and mark reads per poll interval
/// into about one (docs/benchmarks.md, coordination load).
/// </summary>
/// <remarks>
/// A safe mark stays safe: reading up to an older one never skips an event, it only reads less. A mark is reused only
/// within the store's mark generation (a database that went back in time starts the mark over), and an append
/// notification invalidates it, so that a woken agent sees a mark read after the append committed.
/// </remarks>
internal sealed class SharedSafeMark(PostgresEventStore store, NpgsqlDataSource connections, TimeProvider time)
{
    private readonly Lock gate = new();
    private Reading? latest;
    private Task<Reading>? inFlight;
    private long inFlightStartedAt;
    private long invalidatedAt;

    /// <summary>A mark, the store's generation it belongs to, and when its read started (a <see cref="TimeProvider"/> timestamp).</summary>
    public readonly record struct Reading(long Mark, long Generation, long StartedAt);

    /// <summary>Forgets the cached mark: events were appended since it was read.</summary>
    public void Invalidate()
    {
        lock (gate)
        {
            invalidatedAt = time.GetTimestamp();
        }
    }

    /// <summary>
    /// A mark whose read started less than <paramref name="maxAge"/> ago and after the last <see cref="Invalidate"/>,
    /// reading one (once, for every caller waiting meanwhile) when there is none.
    /// </summary>
    public Task<Reading> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        Task<Reading> read;
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (latest is { } cached && cached.StartedAt >= invalidatedAt && time.GetElapsedTime(cached.StartedAt, now) < maxAge
                && cached.Generation == store.MarkGeneration)
            {
                return Task.FromResult(cached);
            }

            if (inFlight is null || inFlightStartedAt < invalidatedAt || inFlight.IsCompleted)
            {
                inFlightStartedAt = now;
                inFlight = ReadAsync(now);
            }

            read = inFlight;
        }

        return read.WaitAsync(cancellationToken);
    }

    private async Task<Reading> ReadAsync(long startedAt)
    {
        // Not cancelled by any one caller: others may be waiting for the same read.
        var connection = await connections.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var (mark, generation) = await store.ReadSafeMarkAsync(connection, CancellationToken.None).ConfigureAwait(false);
            var reading = new Reading(mark, generation, startedAt);
            lock (gate)
            {
                if (latest is not { } previous || previous.StartedAt <= startedAt)
                {
                    latest = reading;
                }
            }

            return reading;
        }
    }
}
