using System.Diagnostics;
using Npgsql;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;

namespace ProjectionGen.Benchmarks.Infrastructure;

/// <summary>What one ProjectionGen catch-up measured.</summary>
/// <param name="Elapsed">From daemon start to the commit that reached the head.</param>
/// <param name="ToLockAcquired">From daemon start to the lock being taken (the start-up share of <paramref name="Elapsed"/>).</param>
/// <param name="Batches">Committed batches.</param>
/// <param name="CommitShare">Share of the batch loop spent in the commit round trip (writes, upserts and fenced progress).</param>
/// <param name="PeakWorkingSetDelta">Peak working set during the catch-up above the baseline, bytes.</param>
/// <param name="PeakHeapDelta">Peak GC heap during the catch-up above the baseline, bytes.</param>
/// <param name="PeakWorkingSet">Peak working set of the process during the catch-up, bytes.</param>
/// <param name="BatchLoop">From the lock being taken to the last commit: the batches' own time.</param>
/// <param name="CommitTime">Time spent inside the commits (from the batch's commit call to its committed event).</param>
public sealed record CatchUpResult(TimeSpan Elapsed, TimeSpan ToLockAcquired, int Batches, double CommitShare, long PeakWorkingSetDelta, long PeakHeapDelta, long PeakWorkingSet, TimeSpan BatchLoop, TimeSpan CommitTime)
{
    /// <summary>Events per second for <paramref name="events"/> events.</summary>
    public double EventsPerSecond(int events) => events / Elapsed.TotalSeconds;
}

/// <summary>Seeds ProjectionGen's event store and runs one daemon node until a projection reaches the head.</summary>
internal static class ProjectionGenRun
{
    /// <summary>The event types of the workload.</summary>
    public static EventTypeRegistry Types() => new EventTypeRegistry()
        .Register<FundsDeposited>().Register<FundsWithdrawn>()
        .AddJsonContracts(((IJsonContractSource)new BalanceProjection()).JsonContracts);

    /// <summary>Reflection-based contracts with the web defaults: the runtime's default where reflection is enabled.</summary>
    public static System.Text.Json.JsonSerializerOptions ReflectionJson() =>
        new(System.Text.Json.JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    /// <summary>The generated contracts alone with the web defaults: the runtime's default in a trimmed or AOT application (lever 4).</summary>
    public static System.Text.Json.JsonSerializerOptions GeneratedJson() =>
        new(System.Text.Json.JsonSerializerDefaults.Web) { TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(((IJsonContractSource)new BalanceProjection()).JsonContracts) };

    /// <summary>A store on <paramref name="dataSource"/> with the workload's types (and <paramref name="serializerOptions"/> when given).</summary>
    public static PostgresEventStore Store(NpgsqlDataSource dataSource, System.Text.Json.JsonSerializerOptions? serializerOptions = null) =>
        new(dataSource, new EventStoreOptions { SerializerOptions = serializerOptions }, Types());

    /// <summary>Creates the schema and the ledger table and appends the plan's events with <paramref name="writers"/> concurrent writers; returns the head.</summary>
    public static async Task<long> SeedAsync(string connectionString, WorkloadPlan plan, int writers = 4)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = Store(dataSource);
        await store.ApplySchemaAsync(CancellationToken.None);
        await using (var command = dataSource.CreateCommand(LedgerProjection.CreateTableSql))
        {
            await command.ExecuteNonQueryAsync();
        }

        // Each writer owns the streams with its index, so a stream's appends stay in order while writers run in parallel.
        long head = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            foreach (var (stream, events) in plan.Appends())
            {
                if (stream % writers != writer)
                {
                    continue;
                }

                var result = await store.AppendAsync(WorkloadPlan.StreamKey(stream), events, ExpectedVersion.Any);
                InterlockedMax(ref head, result.LastSequence);
            }
        })));
        return head;
    }

    /// <summary>
    /// Starts one daemon node with <paramref name="projection"/> on an already seeded database and waits until it commits
    /// the head; the clock runs from <see cref="ProjectionDaemon.StartAsync"/> to that commit.
    /// </summary>
    public static async Task<CatchUpResult> CatchUpAsync(string connectionString, IGeneratedProjection projection, long head, CommitFencing fencing, TimeSpan timeout, int batchSize = 500, Action<ProjectionDaemonOptions>? configure = null, bool generatedJson = false, Func<DaemonTestHooks, DaemonTestHooks>? tune = null, bool prepareStatements = true)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresEventStore(dataSource, new EventStoreOptions { SerializerOptions = generatedJson ? GeneratedJson() : null, PrepareStatements = prepareStatements }, Types());
        long commitTicks = 0;
        long lastCommitted = 0;
        long beforeCommit = 0;
        var options = new ProjectionDaemonOptions
        {
            ConnectionString = connectionString,
            NodeName = "bench",
            DefaultBatchSize = batchSize,
        };
        configure?.Invoke(options);
        var hooks = new DaemonTestHooks
        {
            Fencing = fencing,
            BeforeCommit = _ =>
            {
                Volatile.Write(ref beforeCommit, Stopwatch.GetTimestamp());
                return Task.CompletedTask;
            },
        };
        hooks = tune?.Invoke(hooks) ?? hooks;
        if (generatedJson)
        {
            options.DocumentSerializerOptions = GeneratedJson();
        }

        var batches = 0;
        long acquired = 0;
        var reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var daemon = new ProjectionDaemon(store, [projection], options, hooks);
        daemon.Lifecycle += (_, e) =>
        {
            var now = Stopwatch.GetTimestamp();
            switch (e.Kind)
            {
                case ProjectionLifecycleKind.LockAcquired:
                    Interlocked.CompareExchange(ref acquired, now, 0);
                    break;
                case ProjectionLifecycleKind.BatchCommitted:
                    batches++;
                    commitTicks += now - Volatile.Read(ref beforeCommit);
                    lastCommitted = now;
                    if (e.ToPosition >= head)
                    {
                        reached.TrySetResult(now);
                    }

                    break;
                case ProjectionLifecycleKind.AgentStopped or ProjectionLifecycleKind.AgentPaused:
                    reached.TrySetException(new InvalidOperationException($"The agent of '{e.Projection}' stopped before the head: {e.Cause}"));
                    break;
            }
        };

        var sampler = MemorySampler.Start();
        long start;
        long end;
        try
        {
            start = Stopwatch.GetTimestamp();
            await daemon.StartAsync();
            end = await reached.Task.WaitAsync(timeout);
        }
        finally
        {
            await sampler.DisposeAsync();
        }

        await daemon.StopAsync();
        var loop = lastCommitted - Interlocked.Read(ref acquired);
        return new CatchUpResult(
            Stopwatch.GetElapsedTime(start, end),
            Stopwatch.GetElapsedTime(start, Interlocked.Read(ref acquired)),
            batches,
            loop > 0 ? (double)commitTicks / loop : 0,
            Math.Max(0, sampler.PeakWorkingSet - sampler.BaselineWorkingSet),
            Math.Max(0, sampler.PeakHeap - sampler.BaselineHeap),
            sampler.PeakWorkingSet,
            Stopwatch.GetElapsedTime(0, Math.Max(0, loop)),
            Stopwatch.GetElapsedTime(0, commitTicks));
    }

    /// <summary>Checks the aggregate's documents against the plan: one per stream, every event applied, the right total.</summary>
    public static async Task VerifyBalancesAsync(string connectionString, WorkloadPlan plan)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), coalesce(sum((data->>'events')::bigint), 0), coalesce(sum((data->>'balance')::bigint), 0) FROM projectiongen.doc_bench_balance");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Check("ProjectionGen aggregate", plan, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Checks the multi-stream branch documents against the plan: one per branch, every event applied, the right total.</summary>
    public static async Task VerifyBranchesAsync(string connectionString, WorkloadPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), coalesce(sum((data->>'events')::bigint), 0), coalesce(sum((data->>'balance')::bigint), 0) FROM projectiongen.doc_bench_branch");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var branches = Math.Min(plan.Streams, BranchBalanceProjection.Branches);
        if (reader.GetInt64(0) != branches || reader.GetInt64(1) != plan.Events || reader.GetInt64(2) != plan.ExpectedBalance)
        {
            throw new InvalidOperationException(
                $"ProjectionGen multi-stream: {reader.GetInt64(0)} documents with {reader.GetInt64(1)} events and balance {reader.GetInt64(2)}; expected {branches}, {plan.Events} and {plan.ExpectedBalance}.");
        }
    }

    /// <summary>Checks the ledger against the plan: one row per event, the right total.</summary>
    public static async Task VerifyLedgerAsync(string connectionString, WorkloadPlan plan)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*), coalesce(sum(amount), 0) FROM bench_ledger");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        if (reader.GetInt64(0) != plan.Events || reader.GetInt64(1) != plan.ExpectedBalance)
        {
            throw new InvalidOperationException($"ProjectionGen ledger: {reader.GetInt64(0)} rows totalling {reader.GetInt64(1)}, expected {plan.Events} totalling {plan.ExpectedBalance}.");
        }
    }

    /// <summary>Throws unless the summaries match the plan.</summary>
    public static void Check(string contender, WorkloadPlan plan, long documents, long events, long balance)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (documents != plan.Streams || events != plan.Events || balance != plan.ExpectedBalance)
        {
            throw new InvalidOperationException(
                $"{contender}: {documents} documents with {events} events and balance {balance}; expected {plan.Streams}, {plan.Events} and {plan.ExpectedBalance}.");
        }
    }

    private static void InterlockedMax(ref long field, long value)
    {
        var current = Interlocked.Read(ref field);
        while (value > current && Interlocked.CompareExchange(ref field, value, current) != current)
        {
            current = Interlocked.Read(ref field);
        }
    }
}
