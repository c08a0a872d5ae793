using Npgsql;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A document table must be neither one of ProjectionGen's own tables nor another projection's,
/// because a rebuild deletes every row of it and every batch upserts into it. The generator refuses what it can see
/// (PGEN015, PGEN016); the daemon and the rebuilder refuse the rest, for projections handed over from anywhere.
/// </summary>
public sealed class DocumentTableNameTests(PostgresFixture postgres)
{
    private static readonly string[] OwnTables = ["events", "events_seq", "streams", "progress", "dead_letters", "dead_letters_id_seq", "schema_version", "nodes", "projection_history", "projection_history_id_seq", "projection_versions"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rebuilding_a_projection_whose_document_table_is_the_event_store_is_refused_and_keeps_every_event()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_events");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(12);

        var error = await Record.ExceptionAsync(async () =>
            await new ProjectionRebuilder(bed.Store, [new ForeignAggregateProjection("intruder", "events")]).RebuildAsync("intruder", Ct));

        Assert.Equal(12, await CountAsync(database.ConnectionString, "projectiongen.events"));
        var refused = Assert.IsType<ArgumentException>(error);
        Assert.Contains("'projectiongen.events'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'intruder'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("reserved", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_daemon_refuses_a_projection_whose_document_table_is_one_of_ProjectionGens_own()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_own");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        foreach (var table in OwnTables)
        {
            var error = Record.Exception(() => bed.CreateDaemon("own-" + table, [new LedgerProjection(), new ForeignAggregateProjection("intruder", table)]));

            var refused = Assert.IsType<ArgumentException>(error);
            Assert.Contains($"'projectiongen.{table}'", refused.Message, StringComparison.Ordinal);
            Assert.Contains("reserved", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_daemon_refuses_two_projections_that_keep_their_documents_in_one_table()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_shared");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        // An explicit TableName equal to another projection's default table (doc_ + name), and two explicit ones.
        var withDefault = Record.Exception(() => bed.CreateDaemon("shared-1", [new AccountBalanceProjection(), new ForeignAggregateProjection("copy", "doc_account_balance")]));
        var bothExplicit = Record.Exception(() => bed.CreateDaemon("shared-2", [new ForeignAggregateProjection("one", "balances"), new ForeignAggregateProjection("two", "balances")]));

        var refused = Assert.IsType<ArgumentException>(withDefault);
        Assert.Contains("'account_balance' and 'copy'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'projectiongen.doc_account_balance'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'one' and 'two'", Assert.IsType<ArgumentException>(bothExplicit).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_daemon_refuses_an_aggregate_projection_whose_view_or_generation_table_would_clash()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_views");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        // The view is named after the projection (docs/versions.md): not a reserved name, not another projection's table.
        var reserved = Record.Exception(() => bed.CreateDaemon("views-1", [new ForeignAggregateProjection("nodes", "node_documents")]));
        var viewOnTable = Record.Exception(() => bed.CreateDaemon("views-2", [new ForeignAggregateProjection("balances", null), new ForeignAggregateProjection("other", "balances")]));
        var generationTable = Record.Exception(() => bed.CreateDaemon("views-3", [new AccountBalanceProjection(), new ForeignAggregateProjection("copy", "doc_account_balance_v1b")]));

        Assert.Contains("'projectiongen.nodes', which is reserved", Assert.IsType<ArgumentException>(reserved).Message, StringComparison.Ordinal);
        Assert.Contains("would both own 'projectiongen.balances'", Assert.IsType<ArgumentException>(viewOnTable).Message, StringComparison.Ordinal);
        Assert.Contains("'projectiongen.doc_account_balance_v1b'", Assert.IsType<ArgumentException>(generationTable).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rebuilder_refuses_two_projections_that_keep_their_documents_in_one_table()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_rebuild_shared");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);

        var error = Record.Exception(() => new ProjectionRebuilder(bed.Store, [new AccountBalanceProjection(), new ForeignAggregateProjection("copy", "doc_account_balance")]));

        Assert.Contains("'account_balance' and 'copy'", Assert.IsType<ArgumentException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reserved_names_cover_every_table_and_sequence_of_the_store_schema()
    {
        await using var database = await postgres.CreateDatabaseAsync("table_schema");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'projectiongen' AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')",
            connection);
        var relations = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                relations.Add(reader.GetString(0));
            }
        }

        Assert.Contains("events", relations);
        Assert.All(relations, relation => Assert.Contains(relation, ProjectionGen.Documents.DocumentTableNames.Reserved));
    }

    private static async Task<long> CountAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
