using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>A fresh database with an event store whose schema is applied; disposing it drops the database.</summary>
internal sealed class StoreScope : IAsyncDisposable
{
    private StoreScope(TestDatabase database, NpgsqlDataSource dataSource, PostgresEventStore store, EventTypeRegistry types)
    {
        Database = database;
        DataSource = dataSource;
        Store = store;
        Types = types;
    }

    public TestDatabase Database { get; }

    public NpgsqlDataSource DataSource { get; }

    public PostgresEventStore Store { get; }

    public EventTypeRegistry Types { get; }

    public static EventTypeRegistry DefaultTypes() =>
        new EventTypeRegistry().Register<OrderPlaced>().Register<ItemAdded>().Register<CustomerRenamed>().Register<SelfReferencing>();

    public static async Task<StoreScope> CreateAsync(PostgresFixture postgres, string prefix, EventStoreOptions? options = null, EventTypeRegistry? types = null)
    {
        var database = await postgres.CreateDatabaseAsync(prefix);
        var dataSource = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 40 }.ConnectionString).Build();
        types ??= DefaultTypes();
        var store = new PostgresEventStore(dataSource, options ?? new EventStoreOptions(), types);
        await store.ApplySchemaAsync(TestContext.Current.CancellationToken);
        return new StoreScope(database, dataSource, store, types);
    }

    /// <summary>A store over the same database with other options or types (its own high-water mark state).</summary>
    public PostgresEventStore OtherStore(EventStoreOptions? options = null, EventTypeRegistry? types = null) =>
        new(DataSource, options ?? new EventStoreOptions(), types ?? Types);

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}
