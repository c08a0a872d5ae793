using Npgsql;
using NpgsqlTypes;

namespace ProjectionGen.Locking;

/// <summary>
/// A node's one dedicated, unpooled connection that holds its session-level advisory locks (one per owned slot),
/// runs the heartbeat that verifies them and renews the node's registration, and LISTENs for append and cluster
/// notifications.
/// </summary>
/// <remarks>
/// Not thread-safe: the daemon's ownership loop is its only user. The connection is never returned to a pool, because
/// a pool's reset (<c>DISCARD ALL</c>) would drop the locks while the node believes it holds them.
/// </remarks>
internal sealed class LockConnection : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private readonly HashSet<long> held = [];

    private LockConnection(NpgsqlConnection connection, LockConnectionIdentity identity)
    {
        this.connection = connection;
        Identity = identity;
    }

    /// <summary>The backend holding this node's locks.</summary>
    public LockConnectionIdentity Identity { get; }

    /// <summary>The underlying connection, for the ownership statements that must run on the lock session.</summary>
    public NpgsqlConnection Connection => connection;

    /// <summary>Raised (on the ownership loop) for each notification received on a LISTENed channel.</summary>
    public event NotificationEventHandler? Notification
    {
        add => connection.Notification += value;
        remove => connection.Notification -= value;
    }

    /// <summary>
    /// Opens the lock connection. Refuses a hot standby (advisory locks there protect nothing on the primary) and a
    /// pooling proxy (session state, and so the locks, would not stay with this client).
    /// </summary>
    /// <param name="connectionString">The lock connection string (never pooled here).</param>
    /// <param name="applicationName">The <c>application_name</c> operators see.</param>
    /// <param name="listenChannels">Channels to LISTEN on (validated identifiers).</param>
    /// <param name="idleSessionTimeout">
    /// The session's <c>idle_session_timeout</c>: the server ends the session, and so releases every lock, when the node
    /// sends nothing for this long (a hung process). A shorter timeout configured on the server is kept.
    /// </param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <exception cref="LockConnectionRefusedException">The server is a standby or is reached through a proxy.</exception>
    public static async Task<LockConnection> OpenAsync(string connectionString, string applicationName, IReadOnlyList<string> listenChannels, TimeSpan idleSessionTimeout, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = applicationName,
            Enlist = false,
            TcpKeepAlive = true,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT pg_is_in_recovery(), pg_backend_pid(), backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                connection);
            bool inRecovery;
            int backendPid;
            DateTime backendStart;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                inRecovery = reader.GetBoolean(0);
                backendPid = reader.GetInt32(1);
                backendStart = reader.GetDateTime(2);
            }

            if (inRecovery)
            {
                throw new LockConnectionRefusedException(
                    "The lock connection reached a hot standby (pg_is_in_recovery() is true). Advisory locks taken on a standby do not exclude owners on the primary: point the lock connection at the primary.");
            }

            // A proxy answers the start-up with a backend key of its own; only a direct connection reports the real pid.
            if (connection.ProcessID != backendPid)
            {
                throw new LockConnectionRefusedException(
                    $"The lock connection goes through a connection pooler or proxy (the server's backend pid {backendPid} differs from the pid {connection.ProcessID} announced to the client). "
                    + "Session-level advisory locks do not survive transaction pooling: give the daemon a direct connection for its locks (ProjectionDaemonOptions.LockConnectionString).");
            }

            foreach (var channel in listenChannels)
            {
                // The channel name comes from the validated schema name; LISTEN takes no parameters.
                await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The heartbeat keeps the session busy every interval; only a node that stopped talking (SIGSTOP, a frozen VM,
            // a stalled loop) stays idle this long, and then the server ends its session: its locks go to live nodes.
            await using (var timeout = new NpgsqlCommand(
                """
                SELECT set_config('idle_session_timeout',
                  CASE WHEN s.setting::bigint > 0 AND s.setting::bigint < $1 THEN s.setting ELSE $1::text END, false)
                FROM pg_settings s WHERE s.name = 'idle_session_timeout'
                """,
                connection))
            {
                timeout.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)Math.Ceiling(idleSessionTimeout.TotalMilliseconds) });
                await timeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new LockConnection(connection, new LockConnectionIdentity(backendPid, backendStart));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Tries to take the key's advisory lock without waiting. A key already held returns <see langword="true"/> without
    /// asking the server again: session advisory locks stack, and a stacked lock would survive one unlock.
    /// </summary>
    public async Task<bool> TryAcquireAsync(AdvisoryLockKey key, CancellationToken cancellationToken)
    {
        if (held.Contains(key.Value))
        {
            return true;
        }

        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key.Value });
        var acquired = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (acquired)
        {
            held.Add(key.Value);
        }

        return acquired;
    }

    /// <summary>
    /// Releases the key's lock if this connection holds it and, in the same statement, notifies
    /// <paramref name="channel"/> with <paramref name="payload"/> so that other nodes try for it at once.
    /// </summary>
    public async Task ReleaseAsync(AdvisoryLockKey key, string channel, string payload, CancellationToken cancellationToken)
    {
        if (!held.Remove(key.Value))
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1), pg_notify($2, $3)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The heartbeat's lock check, to send in the heartbeat's batch: returns the held keys no longer granted to this
    /// session. An error means the session itself is gone or unresponsive, and with it every lock.
    /// </summary>
    public NpgsqlBatchCommand CreateLostKeysCommand()
    {
        var command = new NpgsqlBatchCommand(SlotLockQuery.LostKeysSql);
        command.Parameters.Add(new NpgsqlParameter { Value = held.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        return command;
    }

    /// <summary>Forgets the keys the heartbeat found gone.</summary>
    public void ForgetLost(IEnumerable<long> lost)
    {
        foreach (var key in lost)
        {
            held.Remove(key);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a notification; <see langword="true"/> when one arrived.</summary>
    public Task<bool> WaitForNotificationAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        // Npgsql takes whole milliseconds and reads 0 as "no timeout": a wait of under 1 ms would block the ownership
        // loop until the next notification (forever on a quiet store), so never ask for less than 1 ms.
        connection.WaitAsync(timeout < MinimumWait ? MinimumWait : timeout, cancellationToken);

    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
