using System.Diagnostics;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Daemon;
using ProjectionGen.WritePath;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// The event-projection write lever on its own: queue a batch's ledger rows and commit them with a stand-in
/// for the fenced progress update, the ways the daemon can, alternating on one server many times. No event read, so the
/// difference between the ways is not buried in this shared machine's noise of a whole catch-up.
/// </summary>
public static class RowWriteComparison
{
    private const string ProgressSql = "UPDATE bench_progress SET position = $1 WHERE name = 'ledger'";

    private enum Way
    {
        ExecuteGrouped,
        InsertUnnest,
        InsertCopy,
    }

    /// <summary>Runs the comparison and adds the "Typed rows" section.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var database = await context.Databases.CreateAsync("rowwrites");
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(database))
            await using (var create = dataSource.CreateCommand(LedgerProjection.CreateTableSql + "; CREATE TABLE bench_progress (name text PRIMARY KEY, position bigint NOT NULL); INSERT INTO bench_progress VALUES ('ledger', 0)"))
            {
                await create.ExecuteNonQueryAsync();
            }

            var prepared = new NpgsqlConnectionStringBuilder(database) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 2 }.ConnectionString;
            var variants = new (string Name, Way Way, string ConnectionString)[]
            {
                ("writer.Execute (free SQL), each run grouped into one unnest INSERT", Way.ExecuteGrouped, database),
                ("writer.Insert (typed rows), one unnest INSERT per run (shipped)", Way.InsertUnnest, database),
                ("writer.Insert (typed rows), binary COPY per run in an explicit transaction", Way.InsertCopy, database),
                ("writer.Execute + auto-prepare (Max Auto Prepare=20)", Way.ExecuteGrouped, prepared),
                ("writer.Insert + auto-prepare (Max Auto Prepare=20)", Way.InsertUnnest, prepared),
            };
            var rounds = context.Options.Smoke ? 2 : 40;
            var rows = new List<IReadOnlyList<string>>();
            foreach (var size in new[] { 500, 2_000 })
            {
                context.Progress($"typed rows: {rounds} rounds of {size:N0} rows per batch, {variants.Length} ways alternating");
                var queue = variants.Select(_ => new List<double>()).ToArray();
                var commit = variants.Select(_ => new List<double>()).ToArray();
                var connections = new NpgsqlConnection[variants.Length];
                try
                {
                    for (var v = 0; v < variants.Length; v++)
                    {
                        connections[v] = new NpgsqlConnection(variants[v].ConnectionString);
                        await connections[v].OpenAsync();
                    }

                    var random = new Random(size);
                    for (var r = -2; r < rounds; r++)
                    {
                        // A fresh random order each round: no way always follows the same other way.
                        var order = Enumerable.Range(0, variants.Length).ToArray();
                        random.Shuffle(order);
                        foreach (var v in order)
                        {
                            var (queued, committed) = await MeasureAsync(connections[v], variants[v].Way, size, r);
                            if (r >= 0)
                            {
                                queue[v].Add(queued);
                                commit[v].Add(committed);
                            }

                            await using var truncate = new NpgsqlCommand("TRUNCATE bench_ledger", connections[v]);
                            await truncate.ExecuteNonQueryAsync();
                        }
                    }
                }
                finally
                {
                    foreach (var connection in connections)
                    {
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                        }
                    }
                }

                var baseline = Median(queue[0].Zip(commit[0], (a, b) => a + b).ToList());
                for (var v = 0; v < variants.Length; v++)
                {
                    var total = Median(queue[v].Zip(commit[v], (a, b) => a + b).ToList());
                    var q = Median(queue[v]);
                    var c = Median(commit[v]);
                    var spread = Quartiles(commit[v]);
                    rows.Add([$"{size:N0}", variants[v].Name, BenchReport.Format(q, "F2"), BenchReport.Format(c, "F2") + $" ({BenchReport.Format(spread.Low, "F2")} – {BenchReport.Format(spread.High, "F2")})",
                        BenchReport.Format(total, "F2"), BenchReport.Format(size / total * 1000, "N0"), v == 0 ? "–" : BenchReport.Format((total / baseline - 1) * 100, "+0;−0") + " %"]);
                    context.Report.Measure("typed rows", $"{variants[v].Name}, {size} rows", "median_ms_per_batch", total, "ms");
                }
            }

            context.Report.Add(new ReportSection(
                "Typed rows (issue 14): the write lever on its own",
                $"Queue a batch of ledger rows (seq bigint, account text, amount int) the way a handler does, then commit them with an UPDATE standing in for the fenced progress update; {rounds} rounds after 2 discarded, "
                + "the ways in a fresh random order each round, each on its own open connection to the same database, the table truncated after every batch (not timed).",
                ["rows per batch", "way", "queue ms (median)", "commit ms (median, interquartile range)", "total ms (median)", "rows/s", "vs writer.Execute"],
                rows,
                ["Queue: the handlers' calls (writer.Execute builds a command with typed parameters per row; writer.Insert appends the values to typed column buffers). Commit: the commit batch's round trip (for COPY: BEGIN with the update, the COPY, COMMIT).",
                 "The same ways in a whole catch-up are in the Levers table; there the event read dominates and the machine's noise is larger than the write lever."]));
        }
        finally
        {
            await context.Databases.DropAsync(database);
        }
    }

    private static async Task<(double Queue, double Commit)> MeasureAsync(NpgsqlConnection connection, Way way, int size, int round)
    {
        var start = Stopwatch.GetTimestamp();
        var writer = new BatchWriter();
        var first = (long)Math.Max(0, round) * size;
        for (var i = 0; i < size; i++)
        {
            var seq = first + i + 1;
            var account = "acct-" + (seq % 10_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (way == Way.ExecuteGrouped)
            {
                writer.Execute("INSERT INTO bench_ledger (seq, account, amount) VALUES ($1, $2, $3)", seq, account, (int)(seq % 100));
            }
            else
            {
                writer.Insert(new BenchLedgerRow(seq, account, (int)(seq % 100)));
            }
        }

        var queued = Stopwatch.GetTimestamp();
        if (way == Way.InsertCopy)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var progress = new NpgsqlBatch(connection, transaction))
            {
                progress.BatchCommands.Add(Progress(first + size));
                await progress.ExecuteNonQueryAsync();
            }

            foreach (var (command, copy) in writer.CommitSequence(group: true, copyThreshold: 1))
            {
                if (copy is null)
                {
                    throw new InvalidOperationException($"Expected only copies, got {command?.CommandText}.");
                }

                await copy.CopyAsync(connection, writer.ResolveRowTable(copy.Table), CancellationToken.None);
            }

            await transaction.CommitAsync();
        }
        else
        {
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Progress(first + size));
            foreach (var command in writer.CommitCommands(group: true))
            {
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync();
        }

        var end = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(start, queued).TotalMilliseconds, Stopwatch.GetElapsedTime(queued, end).TotalMilliseconds);
    }

    private static NpgsqlBatchCommand Progress(long position)
    {
        var command = new NpgsqlBatchCommand(ProgressSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        return command;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static (double Low, double High) Quartiles(List<double> values)
    {
        var ordered = values.Order().ToList();
        return (ordered[ordered.Count / 4], ordered[Math.Min(ordered.Count - 1, ordered.Count * 3 / 4)]);
    }
}
