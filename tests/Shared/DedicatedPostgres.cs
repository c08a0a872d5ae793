using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Servers of their own for tests that restart, crash or stop PostgreSQL.</summary>
public static class DedicatedPostgres
{
    /// <summary>
    /// Starts a server owned by the calling test. When the run is pointed at an existing server through
    /// <see cref="PostgresServerOptions.ConnectionEnvironmentVariable"/>, the test is reported as skipped with that reason.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(Action<PostgresServerOptions>? configure = null)
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServerOptions.ConnectionEnvironmentVariable)))
        {
            Assert.Skip("This test restarts, crashes or stops PostgreSQL, which it cannot do to the existing server named by "
                + PostgresServerOptions.ConnectionEnvironmentVariable + ".");
        }

        var options = new PostgresServerOptions { AllowExternal = false, MaxConnections = 100 };
        configure?.Invoke(options);
        return await PostgresServer.StartAsync(options, TestContext.Current.CancellationToken);
    }
}
