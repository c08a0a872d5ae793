using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A throw-away PostgreSQL server for the packed tool's tests, made with the server binaries themselves (this project
/// references none of the repository's projects, so not ProjectionGen.Testing either; docs/testing.md): <c>initdb</c>
/// in a temporary folder, password authentication with a random password on a free loopback port, run as the
/// <c>postgres</c> account under root. <see cref="DisposeAsync"/> stops it and deletes the folder.
/// </summary>
internal sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string binDirectory;
    private readonly string root;
    private readonly string? runAsUser;
    private bool running;

    private LocalPostgres(string binDirectory, string root, string? runAsUser, string password, int port)
    {
        this.binDirectory = binDirectory;
        this.root = root;
        this.runAsUser = runAsUser;
        Password = password;
        Port = port;
    }

    /// <summary>The <c>postgres</c> account's password.</summary>
    public string Password { get; }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    private string DataDirectory => Path.Combine(root, "data");

    private string LogFile => Path.Combine(root, "server.log");

    public static async Task<LocalPostgres> StartAsync()
    {
        var binDirectory = FindBinDirectory();
        var runAsUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal) ? "postgres" : null;
        var root = Directory.CreateTempSubdirectory("projectiongen-tool-pg-").FullName;
        var server = new LocalPostgres(binDirectory, root, runAsUser, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), FindFreePort());
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string to <paramref name="database"/> as <c>postgres</c>.</summary>
    public string ConnectionString(string database, string? password = null, int? port = null) =>
        $"Host=127.0.0.1;Port={(port ?? Port).ToString(CultureInfo.InvariantCulture)};Username=postgres;Password={password ?? Password};Database={database}";

    public async Task CreateDatabaseAsync(string name) =>
        await ExternalCommand.RunSuccessfullyAsync(Tool("psql"), [.. ClientArguments("postgres"), "-c", $"CREATE DATABASE \"{name}\""], environment: ClientEnvironment());

    /// <summary>Runs psql against <paramref name="database"/> with <paramref name="arguments"/>; the result, whatever its exit code.</summary>
    public Task<ExternalCommandResult> PsqlAsync(string database, params string[] arguments) =>
        ExternalCommand.RunAsync(Tool("psql"), [.. ClientArguments(database), .. arguments], environment: ClientEnvironment(), timeout: TimeSpan.FromMinutes(2));

    /// <summary>
    /// <c>pg_dump --schema-only --schema=<paramref name="schema"/></c> of <paramref name="database"/>, without the lines
    /// that differ between two dumps of the same schema: the header's comments and psql's per-dump <c>\restrict</c> key.
    /// </summary>
    public async Task<string> DumpSchemaAsync(string database, string schema)
    {
        var dump = await ExternalCommand.RunSuccessfullyAsync(
            Tool("pg_dump"), [.. ClientArguments(database), "--schema-only", "--schema=" + schema], environment: ClientEnvironment());
        var lines = dump.StandardOutput.Split('\n')
            .Where(line => !line.StartsWith("-- Dumped from", StringComparison.Ordinal)
                && !line.StartsWith("-- Dumped by", StringComparison.Ordinal)
                && !line.StartsWith("\\restrict ", StringComparison.Ordinal)
                && !line.StartsWith("\\unrestrict ", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    public async ValueTask DisposeAsync()
    {
        if (running)
        {
            running = false;
            // Its output is in the test's log when it fails; the folder is deleted either way.
            await ExternalCommand.RunAsync(RunAs(Tool("pg_ctl")), [.. RunAsArguments(Tool("pg_ctl")), "stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "-s"]);
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task InitializeAsync()
    {
        var passwordFile = Path.Combine(root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, Password, TestContext.Current.CancellationToken);
        if (runAsUser is not null)
        {
            await ExternalCommand.RunSuccessfullyAsync("chown", ["-R", runAsUser, root]);
        }

        await ExternalCommand.RunSuccessfullyAsync(RunAs(Tool("initdb")),
        [
            .. RunAsArguments(Tool("initdb")), "-D", DataDirectory, "-U", "postgres", "--pwfile=" + passwordFile,
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        ]);
        File.Delete(passwordFile);
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"),
        [
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 100",
            "fsync = off",
            "full_page_writes = off",
            "log_min_messages = warning",
        ], TestContext.Current.CancellationToken);
        await ExternalCommand.RunSuccessfullyAsync(RunAs(Tool("pg_ctl")), [.. RunAsArguments(Tool("pg_ctl")), "start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "120", "-s"]);
        running = true;
    }

    private string[] ClientArguments(string database) =>
        ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database];

    private Dictionary<string, string?> ClientEnvironment() => new() { ["PGPASSWORD"] = Password, ["PGCONNECT_TIMEOUT"] = "10" };

    private string Tool(string name) => Path.Combine(binDirectory, name);

    // PostgreSQL refuses to run as root: under root the server's own commands run as postgres through runuser.
    private string RunAs(string fileName) => runAsUser is null ? fileName : "runuser";

    private string[] RunAsArguments(string fileName) => runAsUser is null ? [] : ["-u", runAsUser, "--", fileName];

    private static string FindBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        var candidates = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Select(version => (Major: int.TryParse(Path.GetFileName(version), out var major) ? major : 0, Bin: Path.Combine(version, "bin")))
                .Where(candidate => File.Exists(Path.Combine(candidate.Bin, "initdb")) && File.Exists(Path.Combine(candidate.Bin, "pg_dump")))
                .OrderByDescending(candidate => candidate.Major)
                .Select(candidate => candidate.Bin)
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("No PostgreSQL server binaries (initdb, pg_ctl, psql, pg_dump) under " + debianRoot + "/*/bin (docs/testing.md).");
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
