using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Testcontainers.PostgreSql;

namespace ProjectionGen.Testing;

/// <summary>
/// A PostgreSQL container started through Testcontainers, bound to a fixed host port so that a restarted container
/// keeps its address (and so its connection string).
/// </summary>
internal sealed class ContainerPostgresServer : PostgresServer
{
    private readonly PostgreSqlContainer container;
    private readonly SemaphoreSlim control = new(1, 1);

    private ContainerPostgresServer(PostgreSqlContainer container, string connectionString)
    {
        this.container = container;
        ConnectionString = connectionString;
    }

    public override PostgresServerSource Source => PostgresServerSource.Docker;

    public override string ConnectionString { get; }

    public override string? ControlUnavailableReason => null;

    public static async Task<bool> IsDockerAvailableAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")))
        {
            return true;
        }

        const string socketPath = "/var/run/docker.sock";
        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A container when a Docker engine is reachable, otherwise null.</summary>
    public static async Task<PostgresServer?> TryLaunchAsync(PostgresServerOptions options, CancellationToken cancellationToken) =>
        await IsDockerAvailableAsync(cancellationToken).ConfigureAwait(false) ? await LaunchAsync(options, cancellationToken).ConfigureAwait(false) : null;

    // Testcontainers is not trim-compatible (its assembly produces trim warnings): reached only while the DockerSupport
    // feature switch is on (DockerFeature), which a trimmed application turns off.
    public static async Task<PostgresServer> LaunchAsync(PostgresServerOptions options, CancellationToken cancellationToken)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var hostPort = LoopbackPort.FindFree();
        var command = new List<string> { "-c", $"max_connections={options.MaxConnections}", "-c", "fsync=off" };
        foreach (var (name, value) in options.Settings)
        {
            command.Add("-c");
            command.Add($"{name}={value.Trim('\'')}");
        }

        var container = new PostgreSqlBuilder(options.DockerImage)
            .WithUsername("postgres")
            .WithPassword(password)
            .WithDatabase("postgres")
            .WithPortBinding(hostPort, PostgreSqlBuilder.PostgreSqlPort)
            .WithCommand([.. command])
            .Build();
        await container.StartAsync(cancellationToken).ConfigureAwait(false);

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = hostPort,
            Username = "postgres",
            Password = password,
            Database = "postgres",
        }.ConnectionString;
        return new ContainerPostgresServer(container, connectionString);
    }

    public override async Task RestartAsync(bool fast = true, CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The image's stop signal is SIGINT, a fast shutdown.
            await container.StopAsync(cancellationToken).ConfigureAwait(false);
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    public override async Task CrashAsync(bool restart = true, CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // An immediate shutdown of the postmaster ends the container without a checkpoint.
            await container.ExecAsync(["su", "postgres", "-c", "pg_ctl stop -m immediate -D \"$PGDATA\""], cancellationToken).ConfigureAwait(false);
            await container.StopAsync(cancellationToken).ConfigureAwait(false);
            if (restart)
            {
                await container.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            control.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await container.DisposeAsync().ConfigureAwait(false);
        control.Dispose();
    }
}
