using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace ProjectionGen.Testing;

/// <summary>The pooling modes of PgBouncer.</summary>
public enum PgBouncerPoolMode
{
    /// <summary>A server connection per client session.</summary>
    Session,

    /// <summary>A server connection per transaction: session state (and session-level advisory locks) does not stay with the client.</summary>
    Transaction,
}

/// <summary>
/// A PgBouncer in front of a test server, for testing how code behaves behind a pooling proxy. Needs the
/// <c>pgbouncer</c> binary (Debian: <c>apt-get install pgbouncer</c>).
/// </summary>
public sealed class PgBouncerProxy : IAsyncDisposable
{
    private static readonly string[] KnownLocations = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];

    private readonly string rootDirectory;
    private readonly ProcessStartInfo startInfo;
    private readonly int port;
    private Process process;

    private PgBouncerProxy(Process process, ProcessStartInfo startInfo, int port, string rootDirectory, string connectionString)
    {
        this.process = process;
        this.startInfo = startInfo;
        this.port = port;
        this.rootDirectory = rootDirectory;
        ConnectionString = connectionString;
    }

    /// <summary>A connection string to the server's maintenance database through the proxy.</summary>
    public string ConnectionString { get; }

    /// <summary>The <c>pgbouncer</c> binary, or <see langword="null"/> when it is not installed.</summary>
    public static string? FindBinary() =>
        KnownLocations.FirstOrDefault(File.Exists)
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "pgbouncer")).FirstOrDefault(File.Exists);

    /// <summary>Starts PgBouncer in front of <paramref name="server"/> and waits until it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">PgBouncer is not installed, or did not start.</exception>
    public static async Task<PgBouncerProxy> StartAsync(PostgresServer server, PgBouncerPoolMode poolMode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var binary = FindBinary() ?? throw new InvalidOperationException("pgbouncer is not installed (Debian: apt-get install pgbouncer).");
        var target = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        var root = Path.Combine(Path.GetTempPath(), "projectiongen-pgbouncer-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var port = LoopbackPort.FindFree();
        var config = Path.Combine(root, "pgbouncer.ini");
        await File.WriteAllLinesAsync(config,
        [
            "[databases]",
            $"* = host={target.Host} port={target.Port} user={target.Username} password={target.Password}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            $"listen_port = {port.ToString(CultureInfo.InvariantCulture)}",
            "unix_socket_dir =",
            "auth_type = trust",
            $"auth_file = {Path.Combine(root, "users.txt")}",
            $"pool_mode = {poolMode.ToString().ToLowerInvariant()}",
            "ignore_startup_parameters = extra_float_digits,options,search_path",
            "max_client_conn = 200",
            "default_pool_size = 20",

            // After a failed server login PgBouncer answers every client with 08P01 for server_login_retry (15 s by
            // default): a server restart would keep nodes from starting and handoffs waiting for that long
            // (docs/operations.md, "Behind a connection pooler").
            "server_login_retry = 1",
            $"logfile = {Path.Combine(root, "pgbouncer.log")}",
        ], cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(root, "users.txt"), $"\"{target.Username}\" \"\"\n", cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }


        // PgBouncer refuses to run as root, like PostgreSQL.
        var runAsUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal) ? "postgres" : null;
        if (runAsUser is not null)
        {
            await ProcessRunner.RunAsync("chown", ["-R", runAsUser, root], null, cancellationToken).ConfigureAwait(false);
        }

        // -q: nothing on stderr (nobody reads it; a full pipe would block the pooler), the log file has it all.
        var startInfo = ProcessRunner.CreateStartInfo(binary, ["-q", config], runAsUser);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("pgbouncer did not start.");
        process.StandardInput.Close();
        var proxy = new PgBouncerProxy(process, startInfo, port, root, new NpgsqlConnectionStringBuilder(server.ConnectionString) { Port = port, Pooling = false }.ConnectionString);
        try
        {
            await WaitUntilListeningAsync(process, port, cancellationToken).ConfigureAwait(false);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Kills PgBouncer (every client and server connection through it breaks, as in a pooler crash or a restart that
    /// does not wait for clients) and starts it again on the same port; returns once it accepts connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">PgBouncer did not start again.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        process.Dispose();
        process = Process.Start(startInfo) ?? throw new InvalidOperationException("pgbouncer did not start again.");
        process.StandardInput.Close();
        await WaitUntilListeningAsync(process, port, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        process.Dispose();
        try
        {
            Directory.Delete(rootDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task WaitUntilListeningAsync(Process process, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var output = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"pgbouncer exited with code {process.ExitCode}: {output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("pgbouncer did not accept connections within 30 seconds.");
    }
}
