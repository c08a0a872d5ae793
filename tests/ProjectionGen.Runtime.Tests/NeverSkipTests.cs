using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Many concurrent appenders (some held open for seconds, some rolled back) against a reader that repeatedly reads up
/// to the safe mark: the reader must see every committed event exactly once, in order, and nothing else.
/// The seed (printed; set PROJECTIONGEN_SEED to reuse it) fixes every writer's choices of streams, sizes, holds and
/// rollbacks; the interleaving still varies with timing.
/// </summary>
public sealed class NeverSkipTests(PostgresFixture postgres)
{
    private const int BatchSize = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reader_following_the_safe_mark_sees_every_committed_event_exactly_once_in_order()
    {
        var seed = Seed();
        await using var scope = await StoreScope.CreateAsync(postgres, "neverskip");
        var run = await RunAsync(scope, seed, writers: 8, appendsPerWriter: 20, ct => scope.Store.ReadSafeHighWaterMarkAsync(ct));

        TestContext.Current.TestOutputHelper?.WriteLine(run.Summary);
        Assert.True(run.HeldOpenCommits > 0 && run.RolledBackAppends > 0, run.Summary);
        Assert.True(run.ReadsHeldBack > 0, "The race never happened: no reading found the mark below max(seq). " + run.Summary);
        Assert.Equal(run.Committed.Count, run.Committed.Distinct().Count());
        Assert.Equal(run.Committed, run.Seen);
    }

    [Fact]
    public async Task A_reader_following_the_safe_mark_sees_every_committed_event_of_conjoined_tenants_exactly_once_in_order()
    {
        // append_tenant_events (schema step 14, docs/tenancy.md) follows append_events' protocol: the same race, two
        // tenants writing the same stream ids.
        var seed = Seed();
        await using var scope = await StoreScope.CreateAsync(postgres, "neverskipconjoined", new EventStoreOptions { Tenancy = TenancyStyle.Conjoined });
        var run = await RunAsync(scope, seed, writers: 8, appendsPerWriter: 20, ct => scope.Store.ReadSafeHighWaterMarkAsync(ct), tenants: true);

        TestContext.Current.TestOutputHelper?.WriteLine(run.Summary);
        Assert.True(run.HeldOpenCommits > 0 && run.RolledBackAppends > 0, run.Summary);
        Assert.True(run.ReadsHeldBack > 0, "The race never happened: no reading found the mark below max(seq). " + run.Summary);
        Assert.Equal(run.Committed.Count, run.Committed.Distinct().Count());
        Assert.Equal(run.Committed, run.Seen);
    }

    [Fact]
    public async Task The_same_check_catches_a_reader_that_follows_plain_max_seq()
    {
        var seed = Seed();
        await using var scope = await StoreScope.CreateAsync(postgres, "naive");
        await using var naive = scope.DataSource.CreateCommand("SELECT coalesce(max(seq), 0) FROM projectiongen.events");
        var run = await RunAsync(scope, seed, writers: 6, appendsPerWriter: 12, async ct => (long)(await naive.ExecuteScalarAsync(ct))!);

        TestContext.Current.TestOutputHelper?.WriteLine(run.Summary);
        Assert.True(run.Committed.Except(run.Seen).Any(), "A reader following max(seq) skipped nothing, so the scenario is too weak to catch a broken mark. " + run.Summary);
    }

    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("PROJECTIONGEN_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();

    private static async Task<RunResult> RunAsync(StoreScope scope, int seed, int writers, int appendsPerWriter, Func<CancellationToken, Task<long>> readMark, bool tenants = false)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed} (replay with PROJECTIONGEN_SEED={seed})");
        var committed = new ConcurrentBag<long>();
        var rolledBack = new ConcurrentBag<long>();
        var heldOpenCommits = 0;
        using var writersDone = new CancellationTokenSource();

        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, w));
            await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
            for (var i = 0; i < appendsPerWriter; i++)
            {
                var stream = random.Next(4) == 0 ? "shared-" + random.Next(3) : $"w{w / (tenants ? 2 : 1)}-{random.Next(3)}";
                var tenant = tenants ? "t" + (w % 2) : null;
                var events = Enumerable.Range(0, 1 + random.Next(4)).Select(n => (object)new ItemAdded(stream, n)).ToList();
                var roll = random.Next(100);
                var hold = roll switch
                {
                    < 60 => TimeSpan.Zero,
                    < 95 => TimeSpan.FromMilliseconds(100 + random.Next(1400)),
                    _ => TimeSpan.FromMilliseconds(2000 + random.Next(1000)),
                };
                var rollback = roll >= 82;

                await using var transaction = await connection.BeginTransactionAsync(Ct);
                var result = tenant is null
                    ? await scope.Store.AppendAsync(connection, stream, events, ExpectedVersion.Any, null, Ct)
                    : await scope.Store.AppendAsync(connection, tenant, stream, events, ExpectedVersion.Any, null, Ct);
                if (hold > TimeSpan.Zero)
                {
                    await Task.Delay(hold, Ct);
                }

                // Concurrent appends may interleave their numbers, so ask for this append's own rows (visible to its transaction).
                var range = await OwnSequencesAsync(connection, tenant, stream, result.StreamVersion - events.Count, result.StreamVersion);
                if (rollback)
                {
                    await transaction.RollbackAsync(Ct);
                    foreach (var seq in range)
                    {
                        rolledBack.Add(seq);
                    }
                }
                else
                {
                    await transaction.CommitAsync(Ct);
                    foreach (var seq in range)
                    {
                        committed.Add(seq);
                    }

                    if (hold > TimeSpan.Zero)
                    {
                        Interlocked.Increment(ref heldOpenCommits);
                    }
                }

                await Task.Delay(random.Next(30), Ct);
            }
        }, Ct)).ToList();
        var allWritten = Task.WhenAll(writerTasks).ContinueWith(_ => writersDone.Cancel(), Ct, TaskContinuationOptions.None, TaskScheduler.Default);

        var seen = new List<long>();
        long position = 0, lastMark = 0, readsHeldBack = 0, readings = 0;
        await using var reader = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var maxCommand = new NpgsqlCommand("SELECT coalesce(max(seq), 0) FROM projectiongen.events", reader);
        var drainDeadline = DateTime.MaxValue;
        while (true)
        {
            var finished = writersDone.IsCancellationRequested;
            if (finished && drainDeadline == DateTime.MaxValue)
            {
                drainDeadline = DateTime.UtcNow.AddSeconds(20);
            }

            var mark = await readMark(Ct);
            readings++;
            Assert.True(mark >= lastMark, $"The mark went back from {lastMark} to {mark} (seed {seed}).");
            lastMark = mark;
            if ((long)(await maxCommand.ExecuteScalarAsync(Ct))! > mark)
            {
                readsHeldBack++;
            }

            var batch = await scope.Store.ReadAllAsync(reader, position, mark, BatchSize, null, Ct);
            foreach (var envelope in batch)
            {
                Assert.True(envelope.Sequence > position, $"Sequence {envelope.Sequence} read after position {position} (seed {seed}).");
                position = envelope.Sequence;
                seen.Add(envelope.Sequence);
            }

            if (batch.Count < BatchSize)
            {
                position = Math.Max(position, mark);
            }

            if (finished && batch.Count < BatchSize)
            {
                var finalMax = committed.IsEmpty ? 0 : committed.Max();
                if (position >= finalMax || DateTime.UtcNow > drainDeadline)
                {
                    break;
                }
            }

            await Task.Delay(3, Ct);
        }

        await allWritten;
        var committedList = committed.Order().ToList();
        var summary = $"seed {seed}: {committedList.Count} committed, {rolledBack.Count} rolled back, {heldOpenCommits} held-open commits, " +
            $"{seen.Count} seen, {readings} readings, {readsHeldBack} with the mark below max(seq); " +
            $"missed: [{string.Join(",", committedList.Except(seen).Take(20))}], unexpected: [{string.Join(",", seen.Except(committedList).Take(20))}]";
        return new RunResult(committedList, seen, rolledBack.Count, heldOpenCommits, readsHeldBack, summary);
    }

    private static async Task<List<long>> OwnSequencesAsync(NpgsqlConnection connection, string? tenant, string stream, long afterVersion, long upToVersion)
    {
        await using var command = new NpgsqlCommand("SELECT seq FROM projectiongen.events WHERE stream_id = $1 AND version > $2 AND version <= $3 AND tenant_id IS NOT DISTINCT FROM $4 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        command.Parameters.Add(new NpgsqlParameter { Value = afterVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = upToVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            sequences.Add(reader.GetInt64(0));
        }

        return sequences;
    }

    private sealed record RunResult(List<long> Committed, List<long> Seen, int RolledBackAppends, int HeldOpenCommits, long ReadsHeldBack, string Summary);
}
