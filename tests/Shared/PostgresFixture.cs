using ProjectionGen.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(ProjectionGen.Tests.PostgresFixture))]

namespace ProjectionGen.Tests;

/// <summary>
/// One PostgreSQL server for the whole test assembly (its start-up cost is paid once); each test class takes a fresh
/// database from it with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    /// <summary>The shared server. Never restart, crash or stop it: use <see cref="DedicatedPostgres"/> for that.</summary>
    public PostgresServer Server => server ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public async ValueTask InitializeAsync() => server = await PostgresServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public Task<TestDatabase> CreateDatabaseAsync(string? prefix = null) => Server.CreateDatabaseAsync(prefix, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
