using Npgsql;

namespace ProjectionGen.Hosting;

/// <summary>The data source of the registered event store, owned by the container (not registered as <see cref="NpgsqlDataSource"/> so as not to clash with the application's own).</summary>
internal sealed class ProjectionGenDataSource(string connectionString) : IAsyncDisposable, IDisposable
{
    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(connectionString);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
