using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.WritePath;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Grouped writes: a batch's runs of identical single-row INSERTs are sent as one unnest INSERT each. The
/// grouped commit must leave exactly the rows, the order of effects and the NULLs of the commands as queued, and pass
/// every other statement through unchanged.
/// </summary>
public sealed class InsertGroupingTests(PostgresFixture postgres)
{
    private const string Schema = """
        CREATE TABLE wide (ord bigint GENERATED ALWAYS AS IDENTITY, seq bigint NOT NULL, name text, qty int, price numeric,
                           ok boolean, id uuid, at timestamptz, day date, small smallint, ratio double precision, note text);
        CREATE TABLE "Quoted Table" ("Seq" bigint NOT NULL, "the value" text, ord bigint GENERATED ALWAYS AS IDENTITY);
        CREATE TABLE tally (total bigint NOT NULL);
        INSERT INTO tally VALUES (0);
        CREATE UNIQUE INDEX wide_seq ON wide (seq) WHERE seq < 0;
        """;

    private const string WideInsert = "INSERT INTO wide (seq, name, qty, price) VALUES ($1, $2, $3, $4)";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_grouped_commit_leaves_the_same_rows_as_the_commands_as_queued_with_nulls_and_interleaved_tables()
    {
        await using var database = await postgres.CreateDatabaseAsync("grouping_rows");
        var writer = QueueMixedBatch();

        var queued = await CommitAndReadAsync(database.ConnectionString, writer, group: false);
        var grouped = await CommitAndReadAsync(database.ConnectionString, writer, group: true);

        Assert.Equal(queued, grouped);
        Assert.Contains("|NULL|", grouped[0], StringComparison.Ordinal);

        // The grouping did happen: the runs became single statements, the rest passed through as the same objects.
        var sent = writer.CommitCommands(group: true).ToList();
        Assert.True(sent.Count < writer.Commands.Count / 2, $"{sent.Count} commands sent for {writer.Commands.Count} queued");
        Assert.Contains(sent, c => c.CommandText.StartsWith("INSERT INTO wide (seq, name, qty, price) SELECT * FROM ROWS FROM (pg_catalog.unnest($1)", StringComparison.Ordinal));
        Assert.Contains(sent, c => c.CommandText.StartsWith("INSERT INTO \"Quoted Table\" (\"Seq\", \"the value\") SELECT", StringComparison.Ordinal));
        foreach (var command in sent.Where(c => !c.CommandText.Contains("unnest", StringComparison.Ordinal)))
        {
            Assert.Contains(command, writer.Commands);
        }
    }

    [Fact]
    public void Statements_that_are_not_the_simple_insert_shape_pass_through_unchanged_and_in_order()
    {
        string[] others =
        [
            "INSERT INTO tally (total) VALUES ($1) ON CONFLICT DO NOTHING",
            "INSERT INTO tally (total) VALUES ($1) RETURNING total",
            "INSERT INTO tally (total) SELECT $1",
            "UPDATE tally SET total = total + $1",
            "INSERT INTO tally (total) VALUES ($1 + 0)",
        ];
        foreach (var sql in others)
        {
            var writer = new BatchWriter();
            writer.Execute(sql, 1L);
            writer.Execute(sql, 2L);
            writer.Execute(sql, 3L);
            Assert.Equal(writer.Commands, writer.CommitCommands(group: true).ToList());
        }

        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t (a, b) VALUES ($2, $1)", 2));
        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)", 4));
        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t (a, b) VALUES ($1, $2)", 3));
        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t (a) VALUES ($1) -- note", 1));
        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t (a) VALUES ($1); DELETE FROM t", 1));
        Assert.Null(InsertGrouping.Rewrite("INSERT INTO t AS x (a) VALUES ($1)", 1));
        Assert.Equal(
            "INSERT INTO s.t (a, \"B\") SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))",
            InsertGrouping.Rewrite("  insert into s.t(a,\"B\") values($1 , $2);  ", 2));
    }

    [Fact]
    public async Task A_failing_statement_after_a_grouped_run_rolls_the_whole_commit_back()
    {
        await using var database = await postgres.CreateDatabaseAsync("grouping_rollback");
        await ApplySchemaAsync(database.ConnectionString);
        var writer = new BatchWriter();
        for (var i = 1; i <= 5; i++)
        {
            writer.Execute(WideInsert, (long)i, "n" + i, i, 1m);
        }

        // Two rows with the same negative seq violate the partial unique index inside the grouped statement itself.
        writer.Execute(WideInsert, -1L, "dup", 0, 0m);
        writer.Execute(WideInsert, -1L, "dup", 0, 0m);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in writer.CommitCommands(group: true))
        {
            batch.BatchCommands.Add(command);
        }

        await Assert.ThrowsAsync<PostgresException>(async () => await batch.ExecuteNonQueryAsync(Ct));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM wide", connection);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(Ct))!);
    }

    private static BatchWriter QueueMixedBatch()
    {
        var writer = new BatchWriter();
        var day = new DateOnly(2024, 2, 29);
        var at = new DateTimeOffset(2024, 2, 29, 12, 30, 0, TimeSpan.Zero);

        // A run with typed NULLs (string and int?) and several types.
        writer.Execute("INSERT INTO wide (seq, name, qty, price) VALUES ($1, $2, $3, $4)", 1L, (string?)null, (int?)null, 1.5m);
        for (var i = 2; i <= 40; i++)
        {
            writer.Execute(WideInsert, (long)i, i % 3 == 0 ? null : "name " + i, i % 4 == 0 ? null : (int?)i, i * 0.25m);
        }

        // Interleaved: another table, then an update whose effect depends on the rows before it, then the first table again.
        for (var i = 1; i <= 10; i++)
        {
            writer.Execute("INSERT INTO \"Quoted Table\" (\"Seq\", \"the value\") VALUES ($1, $2)", (long)i, i % 2 == 0 ? null : "v" + i);
        }

        writer.Execute("UPDATE tally SET total = (SELECT count(*) FROM wide) + (SELECT count(*) FROM \"Quoted Table\")");
        writer.Execute("UPDATE wide SET note = 'before ' || (SELECT total FROM tally) WHERE seq <= $1", 40L);
        for (var i = 41; i <= 60; i++)
        {
            writer.Execute("INSERT INTO wide (seq, ok, id, at, day, small, ratio) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                (long)i, i % 2 == 0, Guid.Parse($"00000000-0000-0000-0000-{i:D12}"), at.AddMinutes(i), day.AddDays(i), (short)i, i / 7.0);
        }

        // The untyped path: a null breaks the run (sent as written), the rest groups.
        Untyped(writer, WideInsert, 61L, "x", 61, 61m);
        Untyped(writer, WideInsert, 62L, "y", 62, 62m);
        Untyped(writer, WideInsert, 63L, null, 63, 63m);
        Untyped(writer, WideInsert, 64L, "z", 64, 64m);

        // A single insert (a run of one) and a different table's single row between two runs of the same SQL.
        writer.Execute("INSERT INTO \"Quoted Table\" (\"Seq\", \"the value\") VALUES ($1, $2)", 11L, "alone");
        writer.Execute(WideInsert, 65L, "a", 65, 65m);
        writer.Execute(WideInsert, 66L, "b", 66, 66m);
        writer.Execute("UPDATE tally SET total = total * 1000 + (SELECT count(*) FROM wide)");
        return writer;
    }

    private static void Untyped(BatchWriter writer, string sql, params object?[] values) => writer.Execute(sql, (ReadOnlySpan<object?>)values);

    private static async Task<List<string>> CommitAndReadAsync(string connectionString, BatchWriter writer, bool group)
    {
        await ApplySchemaAsync(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var command in writer.CommitCommands(group))
            {
                // A command object belongs to one batch at a time: the queued ones are sent by copy.
                var copy = new NpgsqlBatchCommand(command.CommandText);
                foreach (NpgsqlParameter parameter in command.Parameters)
                {
                    copy.Parameters.Add(parameter.Clone());
                }

                batch.BatchCommands.Add(copy);
            }

            await batch.ExecuteNonQueryAsync(Ct);
        }

        var rows = new List<string>();
        foreach (var query in new[]
                 {
                     "SELECT ord, seq, name, qty, price, ok, id, at, day, small, ratio, note FROM wide ORDER BY ord",
                     "SELECT ord, \"Seq\", \"the value\" FROM \"Quoted Table\" ORDER BY ord",
                     "SELECT total FROM tally",
                 })
        {
            await using var command = new NpgsqlCommand(query, connection);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                var values = new string[reader.FieldCount];
                for (var f = 0; f < reader.FieldCount; f++)
                {
                    values[f] = reader.IsDBNull(f) ? "NULL" : Convert.ToString(reader.GetValue(f), System.Globalization.CultureInfo.InvariantCulture)!;
                }

                rows.Add(string.Join('|', values));
            }
        }

        return rows;
    }

    private static async Task ApplySchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("DROP TABLE IF EXISTS wide, \"Quoted Table\", tally; " + Schema, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
