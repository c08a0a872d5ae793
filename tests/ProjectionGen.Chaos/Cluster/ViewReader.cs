using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// I11: a reader of an aggregate projection's view, or of the view of an event projection's declared table
/// (docs/versions.md), never sees fewer rows than it saw before, through shadow rebuilds and switches back, whatever the
/// faults (the fault suite's documents and ledger rows are never deleted). Counts each view's rows every interval; a
/// failed read (the server restarting) is skipped.
/// </summary>
internal sealed class ViewReader(NpgsqlDataSource dataSource, string schema, IReadOnlyList<string> projections)
{
    private readonly Lock gate = new();
    private readonly List<string> violations = [];
    private readonly Dictionary<string, long> highest = new(StringComparer.Ordinal);
    private int reads;

    public int Reads { get { lock (gate) { return reads; } } }

    public IReadOnlyList<string> Violations { get { lock (gate) { return [.. violations.Take(100)]; } } }

    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        var quoted = PostgresIdentifier.Parse(schema, "schema");
        while (!stop.IsCancellationRequested)
        {
            foreach (var projection in projections)
            {
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(stop);
                    await using var command = new NpgsqlCommand($"SELECT count(*) FROM {quoted.Qualify(projection)}", connection);
                    var count = (long)(await command.ExecuteScalarAsync(stop))!;
                    lock (gate)
                    {
                        reads++;
                        var before = highest.GetValueOrDefault(projection);
                        if (count < before)
                        {
                            violations.Add($"I11 view {projection}: {count} documents after {before} at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                        }

                        highest[projection] = Math.Max(before, count);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
                {
                    // The server is restarting, or the view does not exist yet: read again later.
                }
            }

            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
