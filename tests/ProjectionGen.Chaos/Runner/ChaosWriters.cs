using Npgsql;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// Concurrent appenders: most appends commit at once, some are held open for a while (the safe mark must wait for
/// them), some are rolled back (permanent sequence gaps). Failures while the server is down are retried.
/// </summary>
internal sealed class ChaosWriters(PostgresEventStore store, NpgsqlDataSource dataSource, int seed)
{
    private long attempted;
    private long failed;

    public long Attempted => Interlocked.Read(ref attempted);

    public long Failed => Interlocked.Read(ref failed);

    public Task RunAsync(int writers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => WriteAsync(new Random(seed + i), stop), CancellationToken.None)));

    private async Task WriteAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var stream = $"counter-{random.Next(40)}";
            var events = Enumerable.Range(0, random.Next(1, 4)).Select(_ => (object)new Tick(random.Next(1, 100))).ToList();
            var mode = random.Next(20);
            Interlocked.Increment(ref attempted);
            try
            {
                if (mode < 17)
                {
                    await store.AppendAsync(stream, events, ExpectedVersion.Any, cancellationToken: CancellationToken.None);
                }
                else
                {
                    // Held open (then committed) or rolled back: the cases that make sequence gaps.
                    await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
                    await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
                    await store.AppendAsync(connection, stream, events, ExpectedVersion.Any, null, CancellationToken.None);
                    await Task.Delay(random.Next(200, 1500), CancellationToken.None);
                    if (mode == 19)
                    {
                        await transaction.RollbackAsync(CancellationToken.None);
                    }
                    else
                    {
                        await transaction.CommitAsync(CancellationToken.None);
                    }
                }

                await Task.Delay(random.Next(1, 8), CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                Interlocked.Increment(ref failed);
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }
}
