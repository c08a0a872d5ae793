using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace ProjectionGen.Testing;

/// <summary>
/// An ephemeral cluster in a temporary folder, created with <c>initdb</c> and run with <c>pg_ctl</c> on a free
/// loopback port. Under root it runs as the <c>postgres</c> account, since PostgreSQL refuses to run as root.
/// </summary>
internal sealed class LocalPostgresServer : PostgresServer
{
    private readonly LocalPostgresBinaries binaries;
    private readonly string rootDirectory;
    private readonly string dataDirectory;
    private readonly string logFile;
    private readonly string? runAsUser;
    private readonly SemaphoreSlim control = new(1, 1);
    private readonly string password;
    private bool running;
    private int disposed;

    private LocalPostgresServer(LocalPostgresBinaries binaries, string rootDirectory, string? runAsUser, string password, int port)
    {
        this.binaries = binaries;
        this.password = password;
        this.rootDirectory = rootDirectory;
        this.runAsUser = runAsUser;
        dataDirectory = Path.Combine(rootDirectory, "data");
        logFile = Path.Combine(rootDirectory, "server.log");
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Password = password,
            Database = "postgres",
        }.ConnectionString;
    }

    public override PostgresServerSource Source => PostgresServerSource.LocalBinaries;

    public override string ConnectionString { get; }

    public override string? ControlUnavailableReason => null;

    /// <summary>The server's log file, useful when a test fails.</summary>
    public string LogFile => logFile;

    public static async Task<PostgresServer> LaunchAsync(LocalPostgresBinaries binaries, PostgresServerOptions options, CancellationToken cancellationToken)
    {
        var runAsUser = ResolveRunAsUser();
        var root = Path.Combine(Path.GetTempPath(), "projectiongen-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var port = LoopbackPort.FindFree();
        var server = new LocalPostgresServer(binaries, root, runAsUser, password, port);
        try
        {
            await server.InitializeClusterAsync(password, port, options, cancellationToken).ConfigureAwait(false);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task<PostgresServer> CreateStandbyAsync(CancellationToken cancellationToken = default)
    {
        var root = Path.Combine(Path.GetTempPath(), "projectiongen-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var port = LoopbackPort.FindFree();
        var standby = new LocalPostgresServer(binaries, root, runAsUser, password, port);
        try
        {
            // A password file, so that the password appears neither in arguments nor in the standby's settings.
            var passFile = Path.Combine(root, "pgpass");
            var primary = new NpgsqlConnectionStringBuilder(ConnectionString);
            await File.WriteAllTextAsync(passFile, $"127.0.0.1:{primary.Port}:*:postgres:{password}\n", cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await standby.ChownRootAsync(cancellationToken).ConfigureAwait(false);
            await ProcessRunner.RunAsync(
                Path.Combine(binaries.BinDirectory, "pg_basebackup"),
                ["-h", "127.0.0.1", "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-D", standby.dataDirectory, "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
                runAsUser,
                cancellationToken,
                new Dictionary<string, string> { ["PGPASSFILE"] = passFile }).ConfigureAwait(false);
            await File.AppendAllLinesAsync(Path.Combine(standby.dataDirectory, "postgresql.conf"), [$"port = {port}"], cancellationToken).ConfigureAwait(false);
            await standby.StartAsync(cancellationToken).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += standby.OnProcessExit;
            return standby;
        }
        catch
        {
            await standby.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task PromoteAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PgCtlAsync(["promote", "-D", dataDirectory, "-w", "-t", "60", "-s"], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    public override async Task RestartAsync(bool fast = true, CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PgCtlAsync(["restart", "-D", dataDirectory, "-l", logFile, "-m", fast ? "fast" : "smart", "-w", "-t", "120", "-s"], cancellationToken).ConfigureAwait(false);
            running = true;
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
            // An immediate shutdown skips the checkpoint, so the next start replays WAL as after a crash.
            await PgCtlAsync(["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "-s"], cancellationToken).ConfigureAwait(false);
            running = false;
            if (restart)
            {
                await StartCoreAsync(cancellationToken).ConfigureAwait(false);
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
            if (running)
            {
                await PgCtlAsync(["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-s"], cancellationToken).ConfigureAwait(false);
                running = false;
            }
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
            if (!running)
            {
                await StartCoreAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            control.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        NpgsqlConnection.ClearAllPools();
        if (running)
        {
            try
            {
                await PgCtlAsync(["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "-s"], CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped; nothing to do but clean up.
            }

            running = false;
        }

        DeleteRoot();
        control.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await PgCtlAsync(["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "120", "-s"], cancellationToken).ConfigureAwait(false);
        running = true;
    }

    private async Task InitializeClusterAsync(string password, int port, PostgresServerOptions options, CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(rootDirectory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken).ConfigureAwait(false);
        await ChownRootAsync(cancellationToken).ConfigureAwait(false);

        await ProcessRunner.RunAsync(
            binaries.InitDb,
            ["-D", dataDirectory, "-U", "postgres", "--pwfile=" + passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            runAsUser,
            cancellationToken).ConfigureAwait(false);
        File.Delete(passwordFile);

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
            ["listen_addresses"] = "'127.0.0.1'",
            // No Unix socket: the default socket folder may not be writable by the server's account.
            ["unix_socket_directories"] = "''",
            ["max_connections"] = options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            ["shared_buffers"] = "'128MB'",
            // Test speed: WAL still reaches the OS at every commit (synchronous_commit stays on), so an immediate
            // shutdown loses nothing committed; only an OS crash could, and tests never cause one.
            ["fsync"] = "off",
            ["full_page_writes"] = "off",
            ["max_locks_per_transaction"] = "256",
            ["log_min_messages"] = "warning",
            ["log_line_prefix"] = "'%m [%p] %a '",
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        var lines = settings.Select(setting => $"{setting.Key} = {setting.Value}");
        await File.AppendAllLinesAsync(Path.Combine(dataDirectory, "postgresql.conf"), lines, cancellationToken).ConfigureAwait(false);
    }

    private Task<string> PgCtlAsync(string[] arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(binaries.PgCtl, arguments, runAsUser, cancellationToken);

    private async Task ChownRootAsync(CancellationToken cancellationToken)
    {
        if (runAsUser is not null)
        {
            await ProcessRunner.RunAsync("chown", ["-R", runAsUser, rootDirectory], null, cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Last resort when a test run ends without disposing the server: never leave a postmaster behind.
        if (running)
        {
            try
            {
                PgCtlAsync(["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "30", "-s"], CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
            }
        }

        DeleteRoot();
    }

    private void DeleteRoot()
    {
        try
        {
            Directory.Delete(rootDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string? ResolveRunAsUser()
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            return null;
        }

        var hasPostgresAccount = File.Exists("/etc/passwd")
            && File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal));
        return hasPostgresAccount
            ? "postgres"
            : throw new InvalidOperationException(
                "PostgreSQL refuses to run as root and there is no 'postgres' account to run it as. Create one (useradd --system postgres) or run the tests as an unprivileged user.");
    }
}
