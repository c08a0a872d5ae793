using System.Diagnostics;
using System.Text;
using Npgsql;

namespace ProjectionGen.Tests;

/// <summary>
/// PostgreSQL's client programs (<c>psql</c>, <c>pg_dump</c>) run against a test database as a DBA would run them: from
/// the newest <c>/usr/lib/postgresql/*/bin</c> (where the harness finds the server binaries, docs/testing.md) or
/// <c>PATH</c>, with the connection in <c>PG*</c> environment variables (so the password is on no command line), output
/// kept, and the process killed if the test is cancelled.
/// </summary>
internal static class PostgresClientTools
{
    /// <summary>The folder of <c>psql</c> and <c>pg_dump</c>, or null when neither place has them.</summary>
    public static string? BinDirectory { get; } = Find();

    /// <summary>Runs <c>psql -X -v ON_ERROR_STOP=1 -f</c> on <paramref name="script"/>; returns the exit code and the output.</summary>
    public static async Task<(int ExitCode, string Output)> RunScriptAsync(string connectionString, string script, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), "projectiongen-script-" + Guid.NewGuid().ToString("N") + ".sql");
        await File.WriteAllTextAsync(file, script, new UTF8Encoding(false), cancellationToken);
        try
        {
            return await RunAsync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-f", file], connectionString, cancellationToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// <c>pg_dump --schema-only --schema=<paramref name="schema"/></c>, without the random <c>\restrict</c> key lines
    /// that pg_dump writes since 15.14, so that two dumps of equal schemas are equal text.
    /// </summary>
    public static async Task<string> DumpSchemaAsync(string connectionString, string schema, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync("pg_dump", ["--schema-only", "--schema=" + schema], connectionString, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"pg_dump exited with code {exitCode}: {output}");
        }

        return string.Join('\n', output.Split('\n').Where(line => !line.StartsWith("\\restrict", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, string connectionString, CancellationToken cancellationToken)
    {
        var directory = BinDirectory ?? throw new InvalidOperationException("psql and pg_dump were found neither under /usr/lib/postgresql/*/bin nor on PATH.");
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var startInfo = new ProcessStartInfo(Path.Combine(directory, program))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["PGHOST"] = connection.Host;
        startInfo.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["PGUSER"] = connection.Username;
        startInfo.Environment["PGPASSWORD"] = connection.Password;
        startInfo.Environment["PGDATABASE"] = connection.Database;
        startInfo.Environment["PGCLIENTENCODING"] = "UTF8";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Append(line).Append('\n');
            }
        }
    }

    private static string? Find()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(version => (Major: int.TryParse(Path.GetFileName(version), out var major) ? major : 0, Bin: Path.Combine(version, "bin")))
                .Where(candidate => File.Exists(Path.Combine(candidate.Bin, "psql")) && File.Exists(Path.Combine(candidate.Bin, "pg_dump")))
                .OrderByDescending(candidate => candidate.Major)
                .Select(candidate => candidate.Bin)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, "psql")) && File.Exists(Path.Combine(directory, "pg_dump")));
    }
}
