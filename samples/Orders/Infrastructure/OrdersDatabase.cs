using Npgsql;
using Orders.Events;
using ProjectionGen;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;

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

    /// <summary>Whether the store keeps many tenants (<see cref="TenancyStyle.Conjoined"/>).</summary>
    public bool Conjoined { get; private init; }

    /// <summary>The ledger table of sample releases before it moved into the event store's schema.</summary>
    public const string OldLedgerTable = "public.order_ledger";

    /// <summary>The ledger table (a view over the live generation's copy once a node ran the projection).</summary>
    public const string LedgerTable = "projectiongen.order_ledger";

    /// <summary>
    /// Opens the database, and with <paramref name="applySchema"/> brings the event store schema up to date, creates the
    /// aggregate projections' document tables and creates (or moves) the ledger table, connecting for that with <paramref name="schemaConnectionString"/> when given (the
    /// migration role, docs/operations.md "Least privilege"). A role whose schema is current creates nothing.
    /// </summary>
    /// <param name="connectionString">The connection of this process's work (appends, reads).</param>
    /// <param name="applySchema">Whether to apply the schema and the ledger table.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <param name="schemaConnectionString">The schema owner's connection; <see langword="null"/> for <paramref name="connectionString"/>.</param>
    /// <param name="prepareStatements">Whether the store prepares statements (off behind a transaction pooler).</param>
    /// <param name="tenancy">The store's tenancy: <see cref="TenancyStyle.Conjoined"/> for many tenants in this database (docs/tenancy.md).</param>
    public static async Task<OrdersDatabase> OpenAsync(string connectionString, bool applySchema, CancellationToken cancellationToken, string? schemaConnectionString = null, bool prepareStatements = true, TenancyStyle tenancy = TenancyStyle.None)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var database = new OrdersDatabase(connectionString, dataSource, CreateStore(dataSource, prepareStatements, tenancy)) { Conjoined = tenancy == TenancyStyle.Conjoined };
        if (applySchema)
        {
            // The event store schema and the aggregate projections' document tables (a role whose schema is current and
            // whose tables exist creates nothing), then the ledger table: the schema owner's deployment step.
            if (schemaConnectionString is null)
            {
                await ProjectionSchemaInstaller.ApplyAsync(connectionString, new EventStoreOptions { PrepareStatements = prepareStatements, Tenancy = tenancy }, Projections(), cancellationToken);
                await EnsureLedgerTableAsync(dataSource, cancellationToken);
            }
            else
            {
                await ProjectionSchemaInstaller.ApplyAsync(schemaConnectionString, new EventStoreOptions { PrepareStatements = false, Tenancy = tenancy }, Projections(), cancellationToken);
                await using var schemaSource = NpgsqlDataSource.Create(schemaConnectionString);
                await EnsureLedgerTableAsync(schemaSource, cancellationToken);
            }
        }

        return database;
    }

    /// <summary>
    /// The ledger table: moved from <see cref="OldLedgerTable"/> (sample releases before the move) with its rows when only
    /// that one exists, created when neither does; nothing (no DDL privilege needed) when it exists. When both exist (a
    /// node of this release ran before the old table was moved), the old rows must be moved by hand: the message says how.
    /// </summary>
    private static async Task EnsureLedgerTableAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        bool oldExists, exists;
        await using (var check = new NpgsqlCommand($"SELECT to_regclass('{OldLedgerTable}') IS NOT NULL, to_regclass('{LedgerTable}') IS NOT NULL", connection))
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (oldExists, exists) = (reader.GetBoolean(0), reader.GetBoolean(1));
        }

        if (oldExists && !exists)
        {
            // The data moves with the table (and its grants); the projection's progress row already counts these rows.
            await using var move = new NpgsqlCommand($"ALTER TABLE {OldLedgerTable} SET SCHEMA projectiongen", connection);
            await move.ExecuteNonQueryAsync(cancellationToken);
            Console.Error.WriteLine($"moved the ledger table of an earlier sample release, {OldLedgerTable}, with its rows to {LedgerTable}");
        }
        else if (oldExists)
        {
            Console.Error.WriteLine(
                $"warning: {OldLedgerTable} (an earlier sample release's ledger) exists beside {LedgerTable}; verify reads {LedgerTable} only. "
                + $"Move its rows (docs/operations.md, \"Upgrading\"): INSERT INTO {LedgerTable} SELECT * FROM {OldLedgerTable}; DROP TABLE {OldLedgerTable};");
        }
        else if (!exists)
        {
            await using var create = new NpgsqlCommand(CreateLedgerTableSql, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>A store of its own, as each node of a cluster has.</summary>
    public static PostgresEventStore CreateStore(NpgsqlDataSource dataSource, bool prepareStatements = true, TenancyStyle tenancy = TenancyStyle.None) =>
        new(dataSource, new EventStoreOptions { PrepareStatements = prepareStatements, Tenancy = tenancy }, CreateTypes());

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
