using Npgsql;

namespace ProjectionGen.Testing;

/// <summary>
/// A PostgreSQL server for tests: an ephemeral one the harness owns (and can restart, crash or hold down), or an
/// existing one named by <see cref="PostgresServerOptions.ConnectionEnvironmentVariable"/>.
/// </summary>
/// <remarks>
/// Give each test class its own database with <see cref="CreateDatabaseAsync(string?, CancellationToken)"/>; a test
/// that restarts, crashes or stops the server should start a server of its own so that parallel tests on a shared
/// server are not disturbed.
/// </remarks>
public abstract class PostgresServer : IAsyncDisposable
{
    private int databaseCounter;

    /// <summary>Where this server came from.</summary>
    public abstract PostgresServerSource Source { get; }

    /// <summary>A superuser connection string to the server's maintenance database (<c>postgres</c>).</summary>
    public abstract string ConnectionString { get; }

    /// <summary>Whether <see cref="RestartAsync"/>, <see cref="CrashAsync"/>, <see cref="StopAsync"/> and <see cref="StartAsync(CancellationToken)"/> work.</summary>
    public bool CanControl => ControlUnavailableReason is null;

    /// <summary>Why the server cannot be controlled, or <see langword="null"/> when it can.</summary>
    public abstract string? ControlUnavailableReason { get; }

    /// <summary>
    /// Starts (or connects to) a server, trying in order: an existing server from
    /// <see cref="PostgresServerOptions.ConnectionEnvironmentVariable"/> (when allowed), local PostgreSQL binaries,
    /// then Docker through Testcontainers (unless the application turned the feature switch
    /// <c>ProjectionGen.Testing.DockerSupport</c> off, as a trimmed application does: docs/testing.md).
    /// </summary>
    /// <exception cref="InvalidOperationException">No source is available; the message names all three.</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PostgresServerOptions();
        var external = Environment.GetEnvironmentVariable(PostgresServerOptions.ConnectionEnvironmentVariable);
        if (options.AllowExternal && !string.IsNullOrWhiteSpace(external))
        {
            return await ExternalPostgresServer.ConnectAsync(external, cancellationToken).ConfigureAwait(false);
        }

        var binaries = LocalPostgresBinaries.Find();
        if (binaries is not null)
        {
            return await LocalPostgresServer.LaunchAsync(binaries, options, cancellationToken).ConfigureAwait(false);
        }

        // The call is guarded before any await: the trimmer removes it when the switch is off (an await's resumption
        // would otherwise keep it reachable from the state machine's dispatch).
        var container = DockerFeature.IsSupported ? await ContainerPostgresServer.TryLaunchAsync(options, cancellationToken).ConfigureAwait(false) : null;
        if (container is not null)
        {
            return container;
        }

        throw new InvalidOperationException(
            "No PostgreSQL server is available for tests. Provide one of: (a) a connection string in the "
            + PostgresServerOptions.ConnectionEnvironmentVariable + " environment variable"
            + (options.AllowExternal ? "" : " (not allowed here: this test must own its server)")
            + "; (b) PostgreSQL server binaries (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin; on Debian: apt-get install postgresql); "
            + "(c) a reachable Docker engine for Testcontainers.");
    }

    /// <summary>Restarts the server; every existing session ends. <paramref name="fast"/> uses a fast shutdown, otherwise a smart one.</summary>
    public abstract Task RestartAsync(bool fast = true, CancellationToken cancellationToken = default);

    /// <summary>
    /// Crashes the server with an immediate shutdown (no checkpoint: the next start recovers from WAL); sessions see
    /// their connections broken. With <paramref name="restart"/> the server is started again at once.
    /// </summary>
    public abstract Task CrashAsync(bool restart = true, CancellationToken cancellationToken = default);

    /// <summary>Stops the server (fast shutdown) and leaves it down until <see cref="StartAsync(CancellationToken)"/>.</summary>
    public abstract Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> or <see cref="CrashAsync"/>, waiting until it accepts connections.</summary>
    public abstract Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a hot standby of this server (a streaming replica from <c>pg_basebackup</c>) on a port of its own and
    /// starts it. Only servers started from local binaries support it.
    /// </summary>
    public virtual Task<PostgresServer> CreateStandbyAsync(CancellationToken cancellationToken = default) =>
        throw new ServerControlNotSupportedException($"Standbys can only be created from local-binaries servers, not from a {Source} server.");

    /// <summary>Promotes a standby to a primary.</summary>
    public virtual Task PromoteAsync(CancellationToken cancellationToken = default) =>
        throw new ServerControlNotSupportedException($"Promotion is only supported for standbys of local-binaries servers, not for a {Source} server.");

    /// <summary>Terminates every backend whose <c>application_name</c> equals <paramref name="applicationName"/>; returns how many.</summary>
    public async Task<int> TerminateBackendsAsync(string applicationName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        await using var connection = await OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        var terminated = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return (int)terminated;
    }

    /// <summary>Creates a fresh, empty database with a unique name; disposing the result drops it.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync(string? namePrefix = null, CancellationToken cancellationToken = default)
    {
        var prefix = SanitizePrefix(namePrefix ?? "test");
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref databaseCounter)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = await OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            // CREATE DATABASE takes no parameters; the name is built only from [a-z0-9_] above and quoted.
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name };
        return new TestDatabase(this, name, builder.ConnectionString);
    }

    /// <summary>Opens a new, unpooled superuser connection to the maintenance database.</summary>
    public async Task<NpgsqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, ApplicationName = "projectiongen-testing-admin" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = await OpenAdminConnectionAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The server may be down at the end of a fault test; an ephemeral server takes the database with it.
        }
    }

    /// <summary>Throws <see cref="ServerControlNotSupportedException"/> when the server cannot be controlled.</summary>
    protected void EnsureControllable()
    {
        if (ControlUnavailableReason is { } reason)
        {
            throw new ServerControlNotSupportedException(reason);
        }
    }

    /// <summary>Stops the server (when owned) and deletes what it left behind.</summary>
    public abstract ValueTask DisposeAsync();

    private static string SanitizePrefix(string prefix)
    {
        var chars = prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(24).ToArray();
        var sanitized = new string(chars);
        return sanitized.Length == 0 || char.IsAsciiDigit(sanitized[0]) ? "db_" + sanitized : sanitized;
    }
}
