namespace ProjectionGen.Testing;

/// <summary>A database created for one test or test class; disposing it drops it (forcibly closing its sessions).</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly PostgresServer server;

    internal TestDatabase(PostgresServer server, string name, string connectionString)
    {
        this.server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database name.</summary>
    public string Name { get; }

    /// <summary>A superuser connection string to this database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server holding the database.</summary>
    public PostgresServer Server => server;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(server.DropDatabaseAsync(Name));
}
