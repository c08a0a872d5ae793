using Npgsql;

namespace ProjectionGen.Chaos.Runner;

/// <summary>I7 no stacking: samples <c>pg_locks</c> during the run for an exclusive advisory lock granted more than once.</summary>
internal sealed class LockSampler(NpgsqlDataSource dataSource)
{
    private const string Sql =
        "SELECT classid::text || ':' || objid::text || ' x' || count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND granted "
        + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY classid, objid HAVING count(*) > 1";

    public int Samples { get; private set; }

    public List<string> Violations { get; } = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stop);
                await using var command = new NpgsqlCommand(Sql, connection);
                await using var reader = await command.ExecuteReaderAsync(stop);
                while (await reader.ReadAsync(stop))
                {
                    Violations.Add($"I7 advisory lock {reader.GetString(0)} granted at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                }

                Samples++;
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                // The server is restarting; sample again when it is back.
                await Task.Delay(250, CancellationToken.None);
            }
        }
    }
}
