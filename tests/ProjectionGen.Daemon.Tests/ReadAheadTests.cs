using System.Collections.Concurrent;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The read ahead (docs/daemon.md, "Reading ahead"): an agent reads its next batch, with a single-stream aggregate's
/// documents, on a second connection while the current batch commits. It reads only up to the safe mark, it is used
/// only after the batch before it committed (with that batch's own writes taking precedence over the documents it
/// read), and it is dropped, never applied, when that commit is fenced.
/// </summary>
public sealed class ReadAheadTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Documents_read_ahead_before_the_previous_batch_committed_are_exact_when_consecutive_batches_touch_the_same_streams()
    {
        await using var database = await postgres.CreateDatabaseAsync("read_ahead_docs");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        // 400 events over 5 accounts, batches of 40: every batch changes the documents the next one starts from.
        await bed.AppendAsync(400, streams: 5);
        var head = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);
        var readAheads = new ConcurrentDictionary<long, TaskCompletionSource<BatchRead>>();
        TaskCompletionSource<BatchRead> ReadAheadFrom(long from) =>
            readAheads.GetOrAdd(from, _ => new TaskCompletionSource<BatchRead>(TaskCreationOptions.RunContinuationsAsynchronously));
        var node = bed.CreateDaemon("node-" + Guid.NewGuid().ToString("N")[..6], [new AccountBalanceProjection()], new DaemonTestHooks
        {
            FoldDocumentLoad = true,
            ReadAheadRead = read => ReadAheadFrom(read.From).TrySetResult(read),

            // Each commit waits until the next batch (and its documents) has been read: the read ahead then always
            // holds the documents as they were before this commit.
            BeforeCommit = async batch =>
            {
                if (batch.ToPosition < head)
                {
                    await ReadAheadFrom(batch.ToPosition).Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
                }
            },
        });
        await node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");

        Assert.Equal(9, readAheads.Count);
        Assert.All(readAheads.Values, read => Assert.NotNull(read.Task.Result.Documents));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false));
    }

    [Fact]
    public async Task A_read_ahead_never_reads_past_the_safe_mark_so_an_append_committing_late_is_not_skipped()
    {
        await using var database = await postgres.CreateDatabaseAsync("read_ahead_mark");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(100);

        // An append that stays open (it holds the safe mark below its number), then 100 more that commit around it.
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var late = await bed.Store.AppendAsync(connection, "acct-late", [new Deposited("acct-late", 7)], ExpectedVersion.Any, null, Ct);
        await bed.AppendAsync(100, seed: 2);
        var mark = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);
        Assert.Equal(late.FirstSequence - 1, mark);

        var readAheads = new ConcurrentQueue<BatchRead>();
        var node = bed.CreateDaemon("node-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection()], new DaemonTestHooks { ReadAheadRead = readAheads.Enqueue });
        await node.StartAsync(Ct);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.ToPosition == mark),
            TimeSpan.FromSeconds(30), "the ledger to reach the safe mark");

        Assert.NotEmpty(readAheads);
        Assert.All(readAheads, read => Assert.True(read.Mark <= mark && read.Events.All(e => e.Sequence <= mark), $"a read ahead after {read.From} read past the safe mark {mark}"));
        Assert.DoesNotContain(bed.Lifecycle, e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.ToPosition > mark);

        await transaction.CommitAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }

    [Fact]
    public async Task A_read_ahead_of_a_batch_whose_commit_is_fenced_is_dropped_and_never_applied()
    {
        await using var database = await postgres.CreateDatabaseAsync("read_ahead_fenced");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(400);

        var paused = new TaskCompletionSource<(long Epoch, long To)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readAheads = new ConcurrentQueue<BatchRead>();
        var readAheadDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var recorded = new RecordingProjection(new AccountBalanceProjection());
        var old = bed.CreateDaemon("old-" + suffix, [recorded], new DaemonTestHooks
        {
            ReadAheadRead = read =>
            {
                readAheads.Enqueue(read);
                readAheadDone.TrySetResult();
            },

            // The first batch, with its successor already read ahead, pauses after the guard while the lock is taken away.
            BeforeCommit = async batch =>
            {
                if (paused.TrySetResult((batch.Epoch, batch.ToPosition)))
                {
                    await readAheadDone.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
                    await resume.Task;
                }
            },
        });
        await old.StartAsync(Ct);
        var (oldEpoch, firstTo) = await paused.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await readAheadDone.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Contains(readAheads, read => read.From == firstTo && read.Events.Count > 0);

        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(old.LockApplicationName, Ct));
        var successor = bed.CreateDaemon("new-" + suffix, [new AccountBalanceProjection()]);
        await successor.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "account_balance");
        resume.SetResult();

        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Node == old.NodeName && e.Epoch == oldEpoch),
            TimeSpan.FromSeconds(30), "the old owner's agent to stop");

        // The old owner's agent ran its first batch only: the batch read ahead from that batch's end was never handed
        // to the projection, and nothing of the old epoch committed.
        Assert.Equal([(oldEpoch, 0L, firstTo)], recorded.Batches.Where(b => b.Epoch == oldEpoch).Select(b => (b.Epoch, b.From, b.To)));
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == old.NodeName && e.Epoch == oldEpoch);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false));
    }

    [Fact]
    public async Task Batches_grow_while_catching_up_up_to_the_catch_up_size_and_start_over_when_tailing()
    {
        await using var database = await postgres.CreateDatabaseAsync("catch_up_batches");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(300);

        // Tally sets no batch size of its own (it grows); the ledger sets 25 (it never does).
        var tally = new RecordingProjection(new TallyProjection());
        var ledger = new RecordingProjection(new LedgerProjection());
        var node = bed.CreateDaemon("node-" + Guid.NewGuid().ToString("N")[..6], [tally, ledger], options =>
        {
            options.DefaultBatchSize = 10;
            options.CatchUpBatchSize = 40;
        });
        await node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "tally", "ledger");

        var caughtUp = tally.Batches.ToArray();
        Assert.Equal([10, 20, 40], caughtUp.Take(3).Select(b => b.Events));
        Assert.All(caughtUp, b => Assert.True(b.Events <= 40, $"a batch of {b.Events} events"));
        Assert.All(ledger.Batches, b => Assert.True(b.Events <= 25, $"a ledger batch of {b.Events} events"));
        Assert.Contains(ledger.Batches, b => b.Events == 25);

        // Caught up, the next batch starts over at the batch size.
        await bed.AppendAsync(100, seed: 3);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "tally", "ledger");
        var tailing = tally.Batches.Skip(caughtUp.Length).ToArray();
        Assert.NotEmpty(tailing);
        Assert.True(tailing[0].Events <= 10, $"the first batch after catching up had {tailing[0].Events} events");

        var deposits = (await bed.Store.ReadAllAsync(0, long.MaxValue, 10_000, null, Ct)).Count(e => e.Data is Deposited);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var count = dataSource.CreateCommand("SELECT coalesce(sum((data->>'count')::bigint), 0)::bigint FROM projectiongen.doc_tally");
        Assert.Equal((long)deposits, (long)(await count.ExecuteScalarAsync(Ct))!);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }
}
