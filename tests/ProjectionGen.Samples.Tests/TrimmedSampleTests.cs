using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The sample published trimmed and self-contained (docs/generator.md, JSON contracts): the trimmer reports nothing, and
/// the trimmed binary appends (old event shapes included), projects, verifies exactly-once and reports status against a
/// real server, its events and documents serialized by the generated contracts (reflection-based JSON is off when trimmed).
/// </summary>
public sealed partial class TrimmedSampleTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sample_publishes_trimmed_without_trim_warnings_and_the_trimmed_binary_projects_and_verifies()
    {
        var repository = FindRepositoryRoot();
        var root = Directory.CreateTempSubdirectory("projectiongen-trimmed-").FullName;
        try
        {
            // A copy of the sources (no build outputs), so the publish neither reuses nor disturbs this run's builds.
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "README.md", ".editorconfig" })
            {
                if (File.Exists(Path.Combine(repository, file)))
                {
                    File.Copy(Path.Combine(repository, file), Path.Combine(root, file));
                }
            }

            CopySources(Path.Combine(repository, "src"), Path.Combine(root, "src"));
            CopySources(Path.Combine(repository, "samples"), Path.Combine(root, "samples"));
            var output = Path.Combine(root, "published");
            var publish = await RunAsync(
                "dotnet",
                ["publish", Path.Combine(root, "samples", "Orders"), "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishTrimmed=true", "-o", output, "-nologo"],
                root,
                TimeSpan.FromMinutes(9));
            Assert.True(publish.ExitCode == 0, $"dotnet publish exited with {publish.ExitCode}:{Environment.NewLine}{publish.Output}");
            Assert.DoesNotMatch(TrimWarning(), publish.Output);
            Assert.Contains("Optimizing assemblies for size", publish.Output, StringComparison.Ordinal);

            var app = Path.Combine(output, "Orders");
            Assert.True(File.Exists(app), "the trimmed sample's executable is missing");
            await using var database = await postgres.CreateDatabaseAsync("orders_trimmed");
            var connection = database.ConnectionString;
            var (appendExit, appendOutput) = await SampleApp.RunExecutableAsync(app, TimeSpan.FromMinutes(2), "append", "--connection", connection, "--streams", "20", "--events", "5", "--writers", "2");
            Assert.True(appendExit == 0, appendOutput);

            await using var node = SampleApp.StartExecutable(app, "node", "--connection", connection, "--node", "trimmed-1");
            var verified = false;
            var lastVerify = "";
            for (var deadline = DateTime.UtcNow.AddMinutes(2); !verified && DateTime.UtcNow < deadline;)
            {
                var (verifyExit, verifyOutput) = await SampleApp.RunExecutableAsync(app, TimeSpan.FromMinutes(1), "verify", "--connection", connection);
                verified = verifyExit == 0 && verifyOutput.Contains("exactly-once verified", StringComparison.Ordinal);
                lastVerify = verifyOutput;
                if (!verified)
                {
                    await Task.Delay(500, Ct);
                }
            }

            Assert.True(verified, $"the trimmed sample never verified exactly-once; last verify:{Environment.NewLine}{lastVerify}{Environment.NewLine}node:{Environment.NewLine}{node.Output}");
            Assert.Contains("read as ItemAdded", lastVerify, StringComparison.Ordinal);
            var (statusExit, status) = await SampleApp.RunExecutableAsync(app, TimeSpan.FromMinutes(1), "projections", "status", "--connection", connection, "--json");
            Assert.Equal(0, statusExit);
            Assert.Contains("\"owner\": \"trimmed-1\"", status, StringComparison.Ordinal);
            Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain("JsonTypeInfo metadata", node.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [GeneratedRegex(@"\bIL[23]\d{3}\b")]
    private static partial Regex TrimWarning();

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopySources(directory, Path.Combine(to, name));
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ProjectionGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (ProjectionGen.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The outer test run's MSBuild settings must not leak into the publish.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
        {
            startInfo.Environment.Remove(name);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        TestContext.Current.TestOutputHelper?.WriteLine($"$ {fileName} {string.Join(' ', arguments)}{Environment.NewLine}{output}");
        return (process.ExitCode, output);
    }
}
