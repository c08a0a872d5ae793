using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Common;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;

namespace ProjectionGen.Daemon;

/// <summary>
/// Runs one projection for as long as its node owns it under one epoch: reads events after the position up to the
/// store's safe high-water mark, hands each batch to the generated code, and stops itself on
/// <see cref="ProjectionProgressException"/> (lock lost or epoch superseded) so that the daemon can re-contend. A new
/// ownership always gets a new agent; an agent never outlives its epoch.
/// </summary>
internal sealed class SubscriptionAgent : IDisposable
{
    private readonly ProjectionSetup setup;
    private readonly ProjectionSlot slot;
    private readonly ProjectionOwnership ownership;
    private readonly AgentServices services;
    private readonly CancellationTokenSource gracefulStop = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly Dictionary<long, int> handlerAttempts = [];
    private readonly Dictionary<long, DeadLetter> pendingDeadLetters = [];
    private int batchFailures;
    private int consecutiveFailures;
    private long isolateUntil;
    private IReadOnlyList<EventEnvelope>? attemptedEvents;
    private long position;
    private long oldestPendingTicks;
    private long knownMark;
    private long knownMarkGeneration;
    private bool freshMarkNeeded;
    private readonly BatchReader reader;
    private int catchUpLimit;
    private string stopReason = "stopped by request";

    public SubscriptionAgent(ProjectionSlot slot, ProjectionOwnership ownership, AgentServices services)
    {
        setup = slot.Setup;
        this.slot = slot;
        this.ownership = ownership;
        this.services = services;
        position = ownership.StartPosition;
        catchUpLimit = setup.BatchSize;
        reader = new BatchReader(slot, services);
        Completion = Task.CompletedTask;
    }

    public ProjectionOwnership Ownership => ownership;

    public AgentStatus Status { get; private set; } = AgentStatus.Running;

    public string? StopReason { get; private set; }

    public long Position => Interlocked.Read(ref position);

    public DateTimeOffset? LastCommitAt { get; private set; }

    /// <summary>
    /// The timestamp of the oldest event the agent has read but not committed, as its last read saw it; null when its
    /// last read found it at the mark. Read from the batches already read (no query): a tenant daemon's
    /// <c>projectiongen.lag.seconds</c> (docs/tenancy.md, "Operations per tenant").
    /// </summary>
    public DateTimeOffset? OldestPendingAt
    {
        get => Interlocked.Read(ref oldestPendingTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        private set => Interlocked.Exchange(ref oldestPendingTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>Completes when the agent has stopped; it never faults.</summary>
    public Task Completion { get; private set; }

    public void Start(CancellationToken hardStop)
    {
        DaemonLog.AgentStarted(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch);
        Completion = Task.Run(() => RunAsync(hardStop), CancellationToken.None);
    }

    /// <summary>Finishes the current batch, then stops, giving <paramref name="reason"/> as the stop reason.</summary>
    public void RequestStop(string reason = "stopped by request")
    {
        stopReason = reason;
        gracefulStop.Cancel();
    }

    /// <summary>Whether a graceful stop was requested.</summary>
    public bool StopRequested => gracefulStop.IsCancellationRequested;

    /// <summary>Wakes an idle agent (new events were appended).</summary>
    public void Wake()
    {
        if (wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another notification woke it first.
            }
        }
    }

    private async Task RunAsync(CancellationToken hardStop)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ownership.LostToken, hardStop);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(abort.Token, gracefulStop.Token);
        try
        {
            while (!gracefulStop.IsCancellationRequested)
            {
                abort.Token.ThrowIfCancellationRequested();
                try
                {
                    // A pooled connection per batch, back in the pool before the agent idles: a node may own more
                    // projections than its pool has connections, and a full pool only makes a batch wait its turn (an
                    // open that times out is a transient failure, retried with backoff).
                    // Whether there is anything to read, from the node's shared mark: an idle agent takes no connection
                    // and reads nothing of its own. After a failure the mark is read afresh (the server may have changed).
                    var shared = await services.Marks.GetAsync(freshMarkNeeded ? TimeSpan.Zero : services.Options.PollInterval / 2, abort.Token).ConfigureAwait(false);
                    freshMarkNeeded = false;
                    if (shared.Generation == services.Store.MarkGeneration && shared.Mark > knownMark)
                    {
                        (knownMark, knownMarkGeneration) = (shared.Mark, shared.Generation);
                    }

                    if (shared.Generation == services.Store.MarkGeneration && shared.Mark <= Position && knownMark <= Position && isolateUntil <= Position)
                    {
                        await WaitForEventsAsync(idle.Token).ConfigureAwait(false);
                        continue;
                    }

                    // The read ahead, if one is under way, is waited for before a batch connection is taken: it needs
                    // a pooled connection of its own, and holding one while waiting could starve a small pool.
                    var ahead = await reader.TakeReadAheadAsync().ConfigureAwait(false);
                    BatchOutcome outcome;
                    var connection = await services.BatchConnections.OpenConnectionAsync(abort.Token).ConfigureAwait(false);
                    await using (connection.ConfigureAwait(false))
                    {
                        outcome = await RunOneBatchAsync(connection, ahead, abort.Token).ConfigureAwait(false);
                    }

                    consecutiveFailures = 0;
                    batchFailures = 0;
                    if (outcome == BatchOutcome.Paused)
                    {
                        return;
                    }

                    if (outcome == BatchOutcome.NothingToRead)
                    {
                        await WaitForEventsAsync(idle.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception failure) when (!abort.IsCancellationRequested && failure is not ProjectionProgressException)
                {
                    // The batch rolled back, whatever failed, and its connection went back to the pool (a broken one
                    // is discarded there). The next attempt reads a fresh mark: the server may have changed under it,
                    // and reads its events afresh: a read ahead of a batch that did not commit is never applied.
                    await reader.DiscardReadAheadAsync().ConfigureAwait(false);
                    catchUpLimit = setup.BatchSize;
                    knownMark = 0;
                    freshMarkNeeded = true;
                    var carryOn = failure switch
                    {
                        ProjectionHandlerException handler => await OnEventFailedAsync(handler.Envelope, handler.InnerException ?? handler, "handler threw", abort.Token).ConfigureAwait(false),
                        _ when IsTransient(failure) => await OnTransientFailureAsync(failure, abort.Token).ConfigureAwait(false),
                        _ => await OnBatchFailedAsync(failure, abort.Token).ConfigureAwait(false),
                    };
                    if (!carryOn)
                    {
                        return;
                    }
                }
            }

            Stop(stopReason);
        }
        catch (ProjectionProgressException refused)
        {
            DaemonLog.AgentStoppedOnProgressFailure(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch, refused.Reason, refused);
            if (refused.InnerException is PostgresException)
            {
                services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.CommitRejected, slot.Name, ownership.NodeName, ownership.Epoch, services.Time.GetUtcNow(), refused.Reason.ToString()));
            }

            services.ReportLockLost(ownership, $"fenced commit: {refused.Reason}");
            Stop($"{refused.Reason}: {refused.Message}");
        }
        catch (Exception) when (ownership.LostCause is { } cause)
        {
            // The heartbeat or the lock connection's failure ended the ownership between commits (whatever the batch
            // connection then reported, a cancellation or the same server shutdown): the agent stops exactly as if its
            // next commit had been refused.
            var refused = new ProjectionProgressException(slot.Name, ownership.NodeName, ownership.Epoch, ProjectionProgressFailure.LockLost, cause);
            DaemonLog.AgentStoppedOnProgressFailure(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch, refused.Reason, refused);
            Stop($"{refused.Reason}: {cause}");
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            Stop("daemon stopping");
        }
        catch (Exception failure)
        {
            DaemonLog.AgentFailed(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch, failure);
            Stop($"failed: {failure.GetType().Name}: {failure.Message}");
        }
        finally
        {
            // A read ahead of a batch that was not committed (the lock was lost, the commit was fenced, the agent
            // stopped) is cancelled and dropped with the agent: it is never applied.
            await reader.DiscardReadAheadAsync().ConfigureAwait(false);
        }
    }

    private enum BatchOutcome
    {
        Committed,
        NothingToRead,
        Paused,
    }

    /// <summary>Reads and projects one batch.</summary>
    private async Task<BatchOutcome> RunOneBatchAsync(NpgsqlConnection connection, BatchRead? ahead, CancellationToken abort)
    {
        attemptedEvents = null;
        var from = Position;
        var started = services.Time.GetTimestamp();

        // A safe high-water mark stays safe while the database keeps its history, so while catching up the last one is
        // reused and a new one is read only once the agent has reached it: one round trip less per batch behind the head.
        // It is not reused once the store has started its mark over (the database went back in time, see
        // HighWaterMarkTracker), nor after a failed batch (the server may have changed under the broken connection).
        long mark;
        if (knownMark > from && knownMarkGeneration == services.Store.MarkGeneration)
        {
            mark = knownMark;
        }
        else
        {
            (mark, knownMarkGeneration) = await services.Store.ReadSafeMarkAsync(connection, abort).ConfigureAwait(false);
            knownMark = mark;
        }

        if (mark <= from)
        {
            OldestPendingAt = null;
            return BatchOutcome.NothingToRead;
        }

        // After a batch failed for a reason no event was named for, its events are projected one at a time, so that
        // the one that fails is found and the poison-event policy applies to it alone.
        var limit = LimitAfter(from);

        // The read ahead is used only when it starts where this batch starts, asks for as many events and belongs to
        // the store's current mark generation. Its mark is a safe mark of that generation, so the batch ends at most
        // there, exactly as if it had been read now.
        var batchRead = ahead is not null && ahead.From == from && ahead.Limit == limit && ahead.Generation == services.Store.MarkGeneration && ahead.Mark > from
            ? reader.WithLastWrites(ahead)
            : await reader.ReadAsync(connection, from, mark, knownMarkGeneration, limit, abort).ConfigureAwait(false);
        mark = batchRead.Mark;
        var read = batchRead.Events;
        if (read.Count > 0)
        {
            OldestPendingAt = read[0].Timestamp;
        }

        // A full batch ends at its last event; a short one has seen everything up to the mark.
        var to = read.Count >= limit ? read[^1].Sequence : mark;

        // Catching up (a full batch below the mark) doubles the next batch, up to the catch-up size; reaching the mark
        // (tailing live appends) starts over at the batch size.
        catchUpLimit = to < mark && read.Count >= limit ? Math.Min(Math.Max(limit * 2, setup.BatchSize), setup.CatchUpBatchSize) : setup.BatchSize;

        // While this batch is applied and committed, the next one is read on a connection of its own, from this
        // batch's planned end up to the same safe mark; it is used only if this batch commits (see docs/daemon.md).
        if (services.Hooks.ReadAhead && to < mark && read.Count >= limit && to >= isolateUntil && !gracefulStop.IsCancellationRequested)
        {
            reader.StartReadAhead(to, mark, batchRead.Generation, LimitAfter(to), abort);
        }
        var deadLetters = new List<DeadLetter>();
        var events = new List<EventEnvelope>(read.Count);
        foreach (var envelope in read)
        {
            if (pendingDeadLetters.TryGetValue(envelope.Sequence, out var deadLetter))
            {
                deadLetters.Add(deadLetter);
            }
            else if (envelope.Data is null)
            {
                var reason = $"cannot deserialize: {envelope.DeserializationError}";
                if (setup.OnPoisonEvent == PoisonEventPolicy.Pause)
                {
                    Pause($"event {envelope.Sequence} ({envelope.EventType}) {reason}");
                    return BatchOutcome.Paused;
                }

                deadLetters.Add(new DeadLetter(envelope.Sequence, envelope.StreamId, envelope.EventType, reason, null, 1));
            }
            else
            {
                events.Add(envelope);
            }
        }

        var batch = new ProjectionBatch(setup, ownership, services, connection, from, to, events, deadLetters, batchRead.Documents);
        attemptedEvents = events;
        // A conjoined store's aggregate runs per tenant, each tenant's events against its own documents (docs/tenancy.md).
        await TenantBatch.RunAsync(setup.Projection, batch, setup.DocumentTable is { Conjoined: true } ? batch : null, abort).ConfigureAwait(false);
        attemptedEvents = null;
        if (!batch.Committed)
        {
            throw new InvalidOperationException($"The generated code of projection '{slot.Name}' returned without committing its batch.");
        }

        reader.Remember(batch.WrittenDocuments);
        Interlocked.Exchange(ref position, to);
        LastCommitAt = services.Time.GetUtcNow();

        // Past the mark nothing is pending; below it the next event is at least as old as this batch's last one, until
        // the next read says exactly.
        OldestPendingAt = to >= mark || read.Count == 0 ? null : read[^1].Timestamp;
        batchFailures = 0;
        foreach (var deadLetter in deadLetters)
        {
            pendingDeadLetters.Remove(deadLetter.Sequence);
            handlerAttempts.Remove(deadLetter.Sequence);
            DaemonLog.EventDeadLettered(services.Logger, slot.Name, deadLetter.Sequence, deadLetter.EventType, deadLetter.Attempts, deadLetter.Reason);
            services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.EventDeadLettered, slot.Name, ownership.NodeName, ownership.Epoch, LastCommitAt.Value, deadLetter.Reason, deadLetter.Sequence, deadLetter.Sequence));
        }

        // Only the committed events' failures are settled: a failed event past a batch that shrank after the failure
        // keeps its count for when a later batch reaches it again.
        if (handlerAttempts.Count > 0)
        {
            foreach (var sequence in handlerAttempts.Keys.Where(sequence => sequence <= to).ToList())
            {
                handlerAttempts.Remove(sequence);
            }
        }
        DaemonLog.BatchCommitted(services.Logger, slot.Name, ownership.Epoch, from, to, events.Count);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.BatchCommitted, slot.Name, ownership.NodeName, ownership.Epoch, LastCommitAt.Value, null, from, to, events.Count, services.Time.GetElapsedTime(started)));
        return BatchOutcome.Committed;
    }

    /// <summary>The batch limit for a batch starting after <paramref name="from"/>: one event while isolating a failure.</summary>
    private int LimitAfter(long from) => from < isolateUntil ? 1 : catchUpLimit;

    /// <summary>
    /// Whether a failure says nothing about the batch itself: the connection broke or timed out, the server is short of
    /// something or shutting down, a lock or a statement timed out, or a connection pooler got the protocol wrong (a
    /// protocol violation, a prepared statement the server connection does not have or already has; Npgsql's own
    /// protocol errors are <see cref="NpgsqlException"/>s). Retried with backoff for as long as the node owns the
    /// projection (the heartbeat, not a failed batch, decides that the lock is gone); never blamed on an event
    /// (docs/operations.md, "Behind a connection pooler").
    /// </summary>
    private static bool IsTransient(Exception failure) => failure switch
    {
        PostgresException postgres => postgres.IsTransient || postgres.SqlState is PostgresErrorCodes.QueryCanceled
            or PostgresErrorCodes.ProtocolViolation or PostgresErrorCodes.InvalidSqlStatementName or PostgresErrorCodes.DuplicatePreparedStatement,
        NpgsqlException => true,
        IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// SQLSTATE class 42 (a table or column missing or renamed, a privilege not granted, SQL that does not fit the
    /// schema) or 3F000 (no such schema): the read model's schema, the grants or the code are at fault, never one event's
    /// data (the handlers' statements are parameterized), so dead-lettering would empty the read model one event at a
    /// time. The batch is treated as having no event to blame: backoff, an alert, and it catches up once the schema is
    /// put right (docs/daemon.md, "Failures that are not lock loss").
    /// </summary>
    private static bool IsReadModelUnwritable(Exception failure) =>
        failure is PostgresException { SqlState: [ '4', '2', _, _, _ ] or PostgresErrorCodes.InvalidSchemaName };

    private async Task<bool> OnTransientFailureAsync(Exception failure, CancellationToken abort)
    {
        // Every failure in a row doubles the delay (up to MaxRetryDelay).
        var delay = services.Options.RetryDelayFor(++consecutiveFailures);
        DaemonLog.TransientFailure(services.Logger, slot.Name, ownership.NodeName, delay, failure);
        await Task.Delay(delay, services.Time, abort).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A failure that is neither transient nor a handler's (one the generated per-event <c>try</c> does not see: a
    /// handler's <see cref="OperationCanceledException"/>, a document that cannot be loaded, a parameter Npgsql
    /// refuses at commit, a constraint the batch's SQL violates). With one event in the batch, it is that event's
    /// failure; with more, the batch's events are projected one at a time until the failing one is found; with none
    /// (reading, or committing only progress and dead letters, failed), nothing can be dead-lettered or blamed: the agent
    /// never pauses for it, it backs off and retries for as long as it owns the slot, and raises
    /// <see cref="ProjectionLifecycleKind.BatchStalled"/> once the failures in a row pass the retries.
    /// <see langword="false"/> when the agent paused.
    /// </summary>
    private async Task<bool> OnBatchFailedAsync(Exception failure, CancellationToken abort)
    {
        // A read model the node cannot write as the code expects fails every event alike: no event is to blame.
        var attempted = IsReadModelUnwritable(failure) ? null : attemptedEvents;
        attemptedEvents = null;
        if (attempted is { Count: 1 })
        {
            return await OnEventFailedAsync(attempted[0], failure, "projecting it failed with", abort).ConfigureAwait(false);
        }

        var delay = services.Options.RetryDelayFor(++consecutiveFailures);
        if (attempted is { Count: > 1 })
        {
            // Isolated one at a time: at most a batch size of them (a grown catch-up batch is larger); if the failing
            // event lies beyond, the next batch reaches it and isolates from there.
            isolateUntil = attempted[Math.Min(attempted.Count, setup.BatchSize) - 1].Sequence;
            DaemonLog.BatchFailed(services.Logger, slot.Name, Position, attempted.Count, delay, failure);
            await Task.Delay(delay, services.Time, abort).ConfigureAwait(false);
            return true;
        }

        if (++batchFailures == setup.MaxRetries + 1)
        {
            // Once per run of failures: the slot is not paused (no event is to blame, and a pause would outlast the
            // cause, a pooler or a grant, until someone resumes it), but someone should look.
            var reason = $"batch after position {Position} failed {batchFailures} times with no event to blame (retried with backoff): {ErrorText.Describe(failure)}";
            DaemonLog.BatchStalled(services.Logger, slot.Name, ownership.NodeName, Position, batchFailures, failure);
            services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.BatchStalled, slot.Name, ownership.NodeName, ownership.Epoch, services.Time.GetUtcNow(), reason, Position, Position));
        }

        DaemonLog.BatchFailed(services.Logger, slot.Name, Position, 0, delay, failure);
        await Task.Delay(delay, services.Time, abort).ConfigureAwait(false);
        return true;
    }

    /// <summary>Counts a failure of one event and applies the poison-event policy after the retries; <see langword="false"/> when the agent paused.</summary>
    private async Task<bool> OnEventFailedAsync(EventEnvelope envelope, Exception exception, string what, CancellationToken abort)
    {
        var attempts = handlerAttempts[envelope.Sequence] = handlerAttempts.GetValueOrDefault(envelope.Sequence) + 1;
        var maxAttempts = setup.MaxRetries + 1;
        DaemonLog.HandlerFailed(services.Logger, slot.Name, envelope.Sequence, attempts, maxAttempts, exception);
        if (attempts < maxAttempts)
        {
            await Task.Delay(services.Options.RetryDelayFor(++consecutiveFailures), services.Time, abort).ConfigureAwait(false);
            return true;
        }

        var reason = $"{what} {exception.GetType().Name}: {exception.Message}";
        if (setup.OnPoisonEvent == PoisonEventPolicy.Pause)
        {
            Pause($"event {envelope.Sequence} ({envelope.EventType}): {reason}");
            return false;
        }

        // The next batch skips the event and records it in the same transaction as its progress.
        pendingDeadLetters[envelope.Sequence] = new DeadLetter(envelope.Sequence, envelope.StreamId, envelope.EventType, reason, exception.ToString(), attempts);
        return true;
    }

    private async Task WaitForEventsAsync(CancellationToken idle)
    {
        try
        {
            await wake.WaitAsync(services.Options.PollInterval, idle).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (gracefulStop.IsCancellationRequested && !ownership.LostToken.IsCancellationRequested)
        {
            // A graceful stop ends the wait; the loop then exits.
        }
    }

    private void Stop(string reason)
    {
        Status = AgentStatus.Stopped;
        StopReason = reason;
        DaemonLog.AgentStopped(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch, reason);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.AgentStopped, slot.Name, ownership.NodeName, ownership.Epoch, services.Time.GetUtcNow(), reason));
    }

    private void Pause(string reason)
    {
        Status = AgentStatus.Paused;
        StopReason = reason;
        DaemonLog.AgentPaused(services.Logger, slot.Name, ownership.NodeName, ownership.Epoch, reason);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.AgentPaused, slot.Name, ownership.NodeName, ownership.Epoch, services.Time.GetUtcNow(), reason));
    }

    /// <summary>Releases the agent's wait handles; call after <see cref="Completion"/>.</summary>
    public void Dispose()
    {
        gracefulStop.Dispose();
        wake.Dispose();
    }
}
