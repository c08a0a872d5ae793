using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// The throughput of one projection whose handler waits 2 ms per event (an external call), with 1, 2 and 4
/// shards over two node processes. Both nodes run and own their share of the slots before the events are appended;
/// the clock runs from the first append to the moment every shard's committed position has reached the last event.
/// </summary>
public static class ShardThroughputScenario
{
    private const int Streams = 256;
    private const int EventsPerAppend = 10;
    private const int Writers = 4;

    /// <summary>Runs 1, 2 and 4 shards and adds the sharded-throughput table.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rows = new List<IReadOnlyList<string>>();
        double? single = null;
        var wait = await MeasureWaitAsync();
        foreach (var shards in new[] { 1, 2, 4 })
        {
            var (elapsed, distribution) = await RunAsync(context, shards);
            var perSecond = context.Options.ShardEvents / elapsed.TotalSeconds;
            single ??= perSecond;
            rows.Add([shards.ToString(CultureInfo.InvariantCulture), distribution, context.Options.ShardEvents.ToString("N0", CultureInfo.InvariantCulture),
                BenchReport.Format(elapsed.TotalSeconds, "F2"), BenchReport.Format(perSecond, "F0"), BenchReport.Format(perSecond / shards, "F0"),
                BenchReport.Format(perSecond / single.Value, "F2") + "x"]);
            context.Report.Measure("shards", $"{shards} shards", "events_per_second", perSecond, "1/s");
            context.Progress($"shards: {shards} shard(s) over 2 nodes ({distribution}): {perSecond:F0} events/s");
        }

        context.Report.Add(new ReportSection(
            "Sharded throughput (handler waits 2 ms per event)",
            $"One event projection whose handler awaits a 2 ms delay per event (an external call), batches of 200, split into 1, 2 and 4 shards over two node processes; "
            + $"{context.Options.ShardEvents:N0} events over {Streams} streams are appended by {Writers} writers once both nodes own their slots.",
            ["shards", "slots per node", "events", "seconds", "events/s", "events/s per shard", "speed-up"],
            rows,
            [$"A shard applies its events one after another: one awaited Task.Delay(2 ms) took {BenchReport.Format(wait, "F2")} ms on average in this process (timer granularity on a loaded machine), "
             + $"so one slot does at most about {BenchReport.Format(1000 / wait, "F0")} events/s, and shards are the only way to go faster.",
             "The clock includes the appends (about the same for every row) and the last batches' commits."]));
    }

    private static async Task<(TimeSpan Elapsed, string Distribution)> RunAsync(BenchContext context, int shards)
    {
        var projection = $"bench_slow_{shards}";
        var database = await context.Databases.CreateAsync("shards");
        var directory = Path.GetFullPath(Path.Combine(context.Options.OutputDirectory, "cluster-nodes", $"shards{shards}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        try
        {
            await using var cluster = await ClusterHarness.CreateAsync(database, [projection], directory, CancellationToken.None, backgroundSampling: false);
            string[] names = ["n1", "n2"];
            foreach (var name in names)
            {
                cluster.AddNode(name, s => s with { CommitDelay = TimeSpan.Zero }).Start();
            }

            var balanced = await cluster.MeasureAsync(s => s.IsBalanced(names), cluster.Nodes[^1].StartedAt, TimeSpan.FromSeconds(60), CancellationToken.None);
            if (balanced is null)
            {
                throw new TimeoutException($"{projection}: not balanced over two nodes within 60 s: {cluster.Sampler.Latest?.Describe()}");
            }

            var distribution = string.Join("/", names.Select(n => cluster.Sampler.Latest!.CountOf(n)));
            var clock = Stopwatch.StartNew();
            var head = await AppendAsync(cluster.Store, context.Options.ShardEvents);
            await WaitForPositionsAsync(cluster, head, context.CatchUpTimeout);
            return (clock.Elapsed, distribution);
        }
        finally
        {
            await context.Databases.DropAsync(database);
        }
    }

    /// <summary>The mean time of one awaited 2 ms delay here, in ms: the handler's real cost per event.</summary>
    private static async Task<double> MeasureWaitAsync()
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2));
        }

        return clock.Elapsed.TotalMilliseconds / 200;
    }

    /// <summary>Appends <paramref name="events"/> ticks over <see cref="Streams"/> streams with <see cref="Writers"/> writers; returns the last sequence.</summary>
    private static async Task<long> AppendAsync(PostgresEventStore store, int events)
    {
        long head = 0;
        var appends = (events + EventsPerAppend - 1) / EventsPerAppend;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var append = writer; append < appends; append += Writers)
            {
                var count = Math.Min(EventsPerAppend, events - (append * EventsPerAppend));
                var result = await store.AppendAsync($"slow-{append % Streams}", [.. Enumerable.Range(0, count).Select(i => (object)new Tick(i + 1))], ExpectedVersion.Any);
                long seen;
                do
                {
                    seen = Interlocked.Read(ref head);
                }
                while (result.LastSequence > seen && Interlocked.CompareExchange(ref head, result.LastSequence, seen) != seen);
            }
        })));
        return head;
    }

    private static async Task WaitForPositionsAsync(ClusterHarness cluster, long head, TimeSpan timeout)
    {
        var slots = cluster.Sampler.Slots.Slots;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        await using var connection = await cluster.DataSource.OpenConnectionAsync();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM projectiongen.progress WHERE name = ANY($1) AND position >= $2", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = slots.ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
            if ((long)(await command.ExecuteScalarAsync())! == slots.Count)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The shards did not reach event {head} within {timeout}.");
    }
}
