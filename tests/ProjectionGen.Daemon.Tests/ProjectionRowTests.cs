using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using ProjectionGen.WritePath;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The typed row API: <c>writer.Insert(row)</c> on a <c>[ProjectionRow]</c> type. A run of rows is one unnest
/// INSERT in the commit batch, in order with the other commands, in the fenced transaction: the rows are exact after
/// catch-up, a refused commit writes none, and a retried or poison batch writes each row once.
/// </summary>
public sealed class ProjectionRowTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_supported_column_type_and_its_null_round_trips()
    {
        await using var database = await postgres.CreateDatabaseAsync("row_types");
        await ExecuteAsync(database.ConnectionString, TypesRow.CreateTableSql);
        var utc = new DateTime(2024, 2, 29, 12, 30, 15, 123, DateTimeKind.Utc).AddTicks(4560);
        var local = new DateTime(2024, 2, 29, 8, 0, 0, DateTimeKind.Unspecified);
        var at = new DateTimeOffset(2024, 2, 29, 12, 30, 0, TimeSpan.Zero);
        TypesRow[] rows =
        [
            new(1, 7, 42, true, "text", 12.345m, 0.1, 1.5f, Guid.Parse("00000000-0000-0000-0000-000000000001"), utc, local, at, new DateOnly(2024, 2, 29), [1, 2, 3],
                -7, -42, long.MaxValue, false, "text n", -0.5m, -0.25, -2.5f, Guid.Parse("00000000-0000-0000-0000-000000000002"), utc.AddDays(1), at.AddDays(1), new DateOnly(1999, 12, 31), [9]),
            new(2, short.MinValue, int.MinValue, false, "", decimal.MaxValue, double.MaxValue, float.MinValue, Guid.Empty, utc.AddYears(-30), local.AddYears(30), at.AddYears(-30), DateOnly.MinValue.AddYears(1), [],
                null, null, null, null, null, null, null, null, null, null, null, null, null),
        ];
        var writer = new BatchWriter();
        foreach (var row in rows)
        {
            writer.Insert(row);
        }

        var sent = writer.CommitCommands(group: true).ToList();
        var command = Assert.Single(sent);
        Assert.StartsWith("INSERT INTO \"row_types\" (\"seq\", \"small\", \"number\", \"flag\", \"text\",", command.CommandText, StringComparison.Ordinal);
        Assert.Contains("\"day_n\", \"payload\") SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),", command.CommandText, StringComparison.Ordinal);
        await CommitAsync(database.ConnectionString, writer);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var select = new NpgsqlCommand(
            "SELECT seq, small, number, flag, text, price, ratio, fraction, id, utc, local, at, day, bytes, small_n, number_n, big_n, flag_n, text_n, price_n, ratio_n, fraction_n, id_n, utc_n, at_n, day_n, payload FROM row_types ORDER BY ord",
            connection);
        await using var reader = await select.ExecuteReaderAsync(Ct);
        var read = new List<TypesRow>();
        while (await reader.ReadAsync(Ct))
        {
            read.Add(new TypesRow(
                reader.GetInt64(0), reader.GetInt16(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetString(4), reader.GetDecimal(5), reader.GetDouble(6), reader.GetFloat(7),
                reader.GetGuid(8), reader.GetDateTime(9), reader.GetDateTime(10), reader.GetFieldValue<DateTimeOffset>(11), reader.GetFieldValue<DateOnly>(12), reader.GetFieldValue<byte[]>(13),
                Nullable<short>(reader, 14), Nullable<int>(reader, 15), Nullable<long>(reader, 16), Nullable<bool>(reader, 17), reader.IsDBNull(18) ? null : reader.GetString(18),
                Nullable<decimal>(reader, 19), Nullable<double>(reader, 20), Nullable<float>(reader, 21), Nullable<Guid>(reader, 22), Nullable<DateTime>(reader, 23),
                Nullable<DateTimeOffset>(reader, 24), Nullable<DateOnly>(reader, 25), reader.IsDBNull(26) ? null : reader.GetFieldValue<byte[]>(26)));
        }

        Assert.Equal(rows.Length, read.Count);
        for (var i = 0; i < rows.Length; i++)
        {
            // byte[] compares by reference in a record: compare the bytes, then the rest.
            Assert.Equal(rows[i].Bytes, read[i].Bytes);
            Assert.Equal(rows[i].BytesN, read[i].BytesN);
            Assert.Equal(rows[i] with { Bytes = [], BytesN = null }, read[i] with { Bytes = [], BytesN = null }, (a, b) => a.ToString() == b.ToString());
        }

        Assert.Equal(DateTimeKind.Utc, read[0].Utc.Kind);
    }

    [Fact]
    public async Task Rows_and_free_sql_keep_their_queue_order_in_one_transaction()
    {
        await using var database = await postgres.CreateDatabaseAsync("row_order");
        // Wider column types than the row's (int into bigint, string into varchar): the INSERT casts as any INSERT does.
        await ExecuteAsync(database.ConnectionString, "CREATE TABLE row_ledger (seq bigint NOT NULL, account varchar(20) NOT NULL, amount bigint NOT NULL); CREATE TABLE seen (label text NOT NULL, rows bigint NOT NULL, ord bigint GENERATED ALWAYS AS IDENTITY)");
        var writer = new BatchWriter();
        const string See = "INSERT INTO seen (label, rows) SELECT $1, count(*) FROM row_ledger";
        writer.Execute(See, "start");
        writer.Insert(new LedgerRow(1, "a", 10));
        writer.Insert(new LedgerRow(2, "b", 20));
        writer.Insert(new LedgerRow(3, "c", 30));
        writer.Execute(See, "after three");
        writer.Execute("DELETE FROM row_ledger WHERE seq = $1", 2L);
        writer.Insert(new LedgerRow(4, "d", 40));
        writer.Insert(new FragileRow(5, "other table", 50));
        writer.Insert(new LedgerRow(6, "e", 60));
        writer.Execute(See, "end");

        var sent = writer.CommitCommands(group: true).Select(c => c.CommandText).ToList();
        Assert.Equal(8, sent.Count);
        Assert.Equal(4, sent.Count(s => s.Contains("unnest", StringComparison.Ordinal)));
        await ExecuteAsync(database.ConnectionString, FragileRowProjection.CreateTableSql);
        await CommitAsync(database.ConnectionString, writer);

        Assert.Equal(["start 0", "after three 3", "end 4"], await ReadStringsAsync(database.ConnectionString, "SELECT label || ' ' || rows FROM seen ORDER BY ord"));
        Assert.Equal(["1 a 10", "3 c 30", "4 d 40", "6 e 60"], await ReadStringsAsync(database.ConnectionString, "SELECT seq || ' ' || account || ' ' || amount FROM row_ledger ORDER BY seq"));
        Assert.Equal(["5 other table 50"], await ReadStringsAsync(database.ConnectionString, "SELECT seq || ' ' || account || ' ' || amount FROM fragile_rows"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Catch_up_writes_exactly_one_row_per_event_with_rows_and_free_sql_interleaved(bool copy)
    {
        await using var database = await postgres.CreateDatabaseAsync("row_catchup");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(database.ConnectionString, RowLedgerProjection.CreateTableSql);
        await bed.AppendAsync(400, streams: 17, seed: 14);

        var daemon = bed.CreateDaemon("rows-" + Guid.NewGuid().ToString("N")[..6], [new RowLedgerProjection()], Hooks(copy));
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "row_ledger");

        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "row_ledger"));
        Assert.Contains(bed.Lifecycle, e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "row_ledger" } && e.ToPosition > e.FromPosition);
        var accounts = await ReadStringsAsync(database.ConnectionString, "SELECT count(*) FILTER (WHERE account LIKE 'acct-%') || ' of ' || count(*) FROM row_ledger");
        Assert.Equal(["400 of 400"], accounts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refused_commit_writes_no_row(bool copy)
    {
        await using var database = await postgres.CreateDatabaseAsync("row_fencing");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(database.ConnectionString, RowLedgerProjection.CreateTableSql);
        await bed.AppendAsync(100);

        var paused = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var old = bed.CreateDaemon("old-" + suffix, [new RowLedgerProjection()], Hooks(copy) with
        {
            BeforeCommit = async batch =>
            {
                // Passed the guard with rows queued: pause here, once.
                if (batch.Events.Count > 0 && paused.TrySetResult(batch.Epoch))
                {
                    await resume.Task;
                }
            },
        });
        await old.StartAsync(Ct);
        var oldEpoch = await paused.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(old.LockApplicationName, Ct));
        var successor = bed.CreateDaemon("new-" + suffix, [new RowLedgerProjection()], Hooks(copy));
        await successor.StartAsync(Ct);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "row_ledger" } && e.Node == successor.NodeName && e.Epoch > oldEpoch && e.ToPosition > e.FromPosition),
            TimeSpan.FromSeconds(30), "the successor's first commit");

        resume.SetResult();
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Node == old.NodeName && e.Epoch == oldEpoch
                && (e.Cause ?? "").StartsWith(nameof(ProjectionProgressFailure.EpochSuperseded), StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the stale owner to stop on EpochSuperseded");

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "row_ledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "row_ledger"));
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == old.NodeName && e.Epoch == oldEpoch && e.ToPosition > e.FromPosition);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_retried_then_dead_lettered_batch_writes_each_row_once_and_the_poison_events_row_never(bool copy)
    {
        await using var database = await postgres.CreateDatabaseAsync("row_poison");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(database.ConnectionString, FragileRowProjection.CreateTableSql);
        var amounts = new[] { 5, 7, 13, 21, 34, 13, 55 };
        foreach (var amount in amounts)
        {
            await bed.Store.AppendAsync("acct-poison", [new Deposited("acct-poison", amount)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        var fragile = new FragileRowProjection();
        var daemon = bed.CreateDaemon("rowpoison-" + Guid.NewGuid().ToString("N")[..6], [fragile], Hooks(copy), o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "fragile_rows");

        // MaxRetries = 2: three attempts per poison event, each of which had queued its row before throwing.
        Assert.Equal(6, fragile.Attempts);
        Assert.Equal(["5", "7", "21", "34", "55"], await ReadStringsAsync(database.ConnectionString, "SELECT amount::text FROM fragile_rows ORDER BY seq"));
        Assert.Equal(["2"], await ReadStringsAsync(database.ConnectionString, "SELECT count(*)::text FROM projectiongen.dead_letters"));
    }

    [Fact]
    public void A_hand_written_row_that_adds_the_wrong_values_is_refused_and_leaves_no_partial_row()
    {
        var writer = new BatchWriter();
        writer.Insert(new HandWrittenRow(2));
        Assert.Throws<InvalidOperationException>(() => writer.Insert(new HandWrittenRow(1)));
        Assert.Throws<InvalidOperationException>(() => writer.Insert(new HandWrittenRow(3)));
        Assert.Throws<InvalidOperationException>(() => writer.Insert(new HandWrittenRow(-2)));
        writer.Insert(new HandWrittenRow(2));
        Assert.Equal(2, writer.RowCount);
        var command = Assert.Single(writer.CommitCommands(group: true));
        Assert.All(command.Parameters, p => Assert.Equal(2, ((long[])p.Value!).Length));

        // An invalid table is refused when the row is queued (in the handler), before anything is sent.
        var bad = new BatchWriter();
        Assert.Throws<ArgumentException>(() => bad.Insert(new BadTableRow()));
        Assert.Equal(0, bad.RowCount);
    }

    /// <summary>With <paramref name="copy"/>, every run of rows is sent with binary COPY (the measured alternative) instead of an unnest INSERT.</summary>
    private static DaemonTestHooks Hooks(bool copy) => copy ? new DaemonTestHooks { RowCopyThreshold = 1 } : new DaemonTestHooks();

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static async Task CommitAsync(string connectionString, BatchWriter writer)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in writer.CommitCommands(group: true))
        {
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(Ct);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<List<string>> ReadStringsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var result = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>A hand-written row: adds <c>Values</c> longs (negative: that many, then an int) to its two columns.</summary>
    private sealed record HandWrittenRow(int Values) : IProjectionRow<HandWrittenRow>
    {
        public static string TableName => "hand_written";

        public static IReadOnlyList<string> ColumnNames { get; } = ["a", "b"];

        public static void Append(HandWrittenRow row, ProjectionRowBuffer buffer)
        {
            for (var i = 0; i < Math.Abs(row.Values); i++)
            {
                if (row.Values < 0 && i == 1)
                {
                    buffer.Add(1);
                }
                else
                {
                    buffer.Add((long)i);
                }
            }
        }
    }

    /// <summary>A hand-written row whose table is no valid identifier: refused when the commit resolves it.</summary>
    private sealed record BadTableRow : IProjectionRow<BadTableRow>
    {
        public static string TableName => "bad; DROP TABLE x";

        public static IReadOnlyList<string> ColumnNames { get; } = ["a"];

        public static void Append(BadTableRow row, ProjectionRowBuffer buffer) => buffer.Add(1);
    }
}
