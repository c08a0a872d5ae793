using Npgsql;
using Orders.Events;
using ProjectionGen;
using ProjectionGen.EventStore;

namespace Orders.Infrastructure;

/// <summary>The sample's event store on one database: its event types, schema and the ledger projection's table.</summary>
internal sealed class OrdersDatabase : IAsyncDisposable
{
    /// <summary>
    /// The event projection's table, in the event store's schema (where a projection's declared tables live): no unique
    /// constraint, so a double application would leave two rows. Once a node ran the projection it is a view over the live
    /// generation's copy (docs/versions.md), which IF NOT EXISTS leaves alone.
    /// </summary>
    public const string CreateLedgerTableSql =
        "CREATE TABLE IF NOT EXISTS projectiongen.order_ledger (seq bigint NOT NULL, stream_id text NOT NULL, event_type text NOT NULL, amount numeric NOT NULL)";

    private OrdersDatabase(string connectionString, NpgsqlDataSource dataSource, PostgresEventStore store)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
        Store = store;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgresEventStore Store { get; }

    /// <summary>Opens the database, and with <paramref name="applySchema"/> creates the event store and ledger tables.</summary>
    public static async Task<OrdersDatabase> OpenAsync(string connectionString, bool applySchema, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var database = new OrdersDatabase(connectionString, dataSource, CreateStore(dataSource));
        if (applySchema)
        {
            await database.Store.ApplySchemaAsync(cancellationToken);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(CreateLedgerTableSql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return database;
    }

    /// <summary>A store of its own, as each node of a cluster has.</summary>
    public static PostgresEventStore CreateStore(NpgsqlDataSource dataSource) =>
        new(dataSource, new EventStoreOptions(), CreateTypes());

    /// <summary>The sample's projections, as generated.</summary>
    public static IReadOnlyList<IGeneratedProjection> Projections() => ProjectionGen.Generated.GeneratedProjections.CreateAll();

    /// <summary>The sample's event types, and the upcasters that read old shapes (order_line_added) as current ones.</summary>
    private static EventTypeRegistry CreateTypes() =>
        new EventTypeRegistry()
            .Register<OrderPlaced>().Register<ItemAdded>().Register<OrderShipped>().Register<OrderCancelled>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddJsonContracts(ProjectionGen.Generated.GeneratedJsonContracts.Resolver);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
