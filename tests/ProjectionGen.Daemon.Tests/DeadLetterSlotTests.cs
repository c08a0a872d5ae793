using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using Xunit;
using static ProjectionGen.Tests.VersionTestQueries;

namespace ProjectionGen.Tests;

/// <summary>
/// A dead letter names the slot that wrote it (its progress row): <c>name</c>, a shard <c>name/2</c>, a later generation
/// <c>name@v2</c> or a shard of one <c>name@v2/1</c>. Retry, discard and show work for every kind of slot.
/// </summary>
public sealed class DeadLetterSlotTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_dead_letter_of_a_shard_is_retried_under_that_shards_new_epoch()
    {
        await using var database = await postgres.CreateDatabaseAsync("dead_letter_shard");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed, ShardedLedgerProjection.CreateTableSql);
        await bed.Store.AppendAsync("acct-shard", [new Deposited("acct-shard", 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await ExecuteAsync(bed, """
            INSERT INTO projectiongen.progress (name, projection, shard, shard_count, epoch, position)
            SELECT 'sharded_ledger/' || s, 'sharded_ledger', s, 4, 7, 1 FROM generate_series(0, 3) s;
            INSERT INTO projectiongen.dead_letters (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts)
            SELECT 'sharded_ledger/2', seq, stream_id, type, 7, 'n', 'handler threw', 'x', 3 FROM projectiongen.events;
            """);
        var deadLetters = new ProjectionDeadLetters(bed.Store, [new ShardedLedgerProjection()]);
        var letter = Assert.Single(await deadLetters.ReadAsync(cancellationToken: Ct));
        Assert.Equal("sharded_ledger/2", letter.Projection);

        var result = await deadLetters.RetryAsync(letter.Id, Ct);
        Assert.NotNull(result);
        Assert.True(result.Applied, result.Error);
        Assert.Equal(8, result.Epoch);
        Assert.Equal(13L, await ScalarAsync(bed, "SELECT sum(amount) FROM sharded_ledger"));
        Assert.Equal(8L, await ScalarAsync(bed, "SELECT epoch FROM projectiongen.progress WHERE name = 'sharded_ledger/2'"));
        Assert.Equal(7L, await ScalarAsync(bed, "SELECT max(epoch) FROM projectiongen.progress WHERE name <> 'sharded_ledger/2'"));
        Assert.Equal(0, await deadLetters.CountAsync(Ct));
    }

    [Fact]
    public async Task A_dead_letter_of_a_later_generation_is_retried_into_that_generations_copy_and_can_be_discarded()
    {
        await using var database = await postgres.CreateDatabaseAsync("dead_letter_generation");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed, VersionedLedgerProjection.CreateTableSql);
        await ExecuteAsync(bed, "CREATE TABLE projectiongen.vledger_v2 (LIKE projectiongen.vledger)");
        await bed.Store.AppendAsync("acct-v2", [new Deposited("acct-v2", 21), new Deposited("acct-v2", 22)], ExpectedVersion.Any, cancellationToken: Ct);
        await ExecuteAsync(bed, """
            INSERT INTO projectiongen.progress (name, projection, epoch, position) VALUES ('vledger@v2', 'vledger@v2', 3, 2);
            INSERT INTO projectiongen.dead_letters (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts)
            SELECT 'vledger@v2', seq, stream_id, type, 3, 'n', 'handler threw', 'x', 3 FROM projectiongen.events ORDER BY seq;
            """);
        var deadLetters = new ProjectionDeadLetters(bed.Store, [new VersionedLedgerV2Projection()]);
        var letters = await deadLetters.ReadAsync(cancellationToken: Ct);
        Assert.Equal(2, letters.Count);
        Assert.All(letters, l => Assert.Equal("vledger@v2", l.Projection));

        var result = await deadLetters.RetryAsync(letters[^1].Id, Ct);
        Assert.NotNull(result);
        Assert.True(result.Applied, result.Error);
        Assert.Equal(4, result.Epoch);
        Assert.Equal(21L, await ScalarAsync(bed, "SELECT sum(amount) FROM projectiongen.vledger_v2"));
        Assert.Equal(0L, await ScalarAsync(bed, "SELECT count(*) FROM projectiongen.vledger"));
        Assert.True(await deadLetters.DiscardAsync(letters[0].Id, Ct));
        Assert.Equal(0, await deadLetters.CountAsync(Ct));
    }

    [Fact]
    public void A_slot_name_is_taken_apart_into_its_generation_and_shard()
    {
        Assert.Equal(new Progress.SlotNameParts(new ProjectionGen.Generations.ProjectionGeneration("ledger", 1, false), null), Progress.SlotNameParts.Parse("ledger"));
        Assert.Equal(new Progress.SlotNameParts(new ProjectionGen.Generations.ProjectionGeneration("ledger", 1, false), 2), Progress.SlotNameParts.Parse("ledger/2"));
        Assert.Equal(new Progress.SlotNameParts(new ProjectionGen.Generations.ProjectionGeneration("ledger", 2, false), null), Progress.SlotNameParts.Parse("ledger@v2"));
        Assert.Equal(new Progress.SlotNameParts(new ProjectionGen.Generations.ProjectionGeneration("ledger", 1, true), 1), Progress.SlotNameParts.Parse("ledger@v1b/1"));
        Assert.Equal("ledger@v3/3", Daemon.ProjectionSetup.SlotName("ledger@v3", 3, 4));
        Assert.Equal(new Progress.SlotNameParts(new ProjectionGen.Generations.ProjectionGeneration("ledger", 3, false), 3), Progress.SlotNameParts.Parse("ledger@v3/3"));
        foreach (var bad in new[] { "", "/1", "ledger/", "ledger/x", "ledger@", "@v2", "ledger@v1", "ledger@v0", "ledger@2" })
        {
            Assert.Null(Progress.SlotNameParts.Parse(bad));
        }
    }

    private static async Task<long> ScalarAsync(DaemonTestBed bed, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
