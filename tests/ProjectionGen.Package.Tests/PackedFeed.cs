using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The packages of this repository, packed once (<c>build/pack.sh</c>, minutes on a small machine) into a local feed
/// in a temporary folder with a version of their own, for every test of the <see cref="PackedFeedTests"/>;
/// the folder is deleted at the end. The tool is installed from that feed at most once (<see cref="InstallToolAsync"/>).
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly SemaphoreSlim installing = new(1, 1);
    private string? toolCommand;

    /// <summary>The repository the packages are packed from.</summary>
    public string Repository { get; } = FindRepositoryRoot();

    /// <summary>A temporary folder of these tests (the feed is in it; so may be anything else the tests make).</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("projectiongen-package-").FullName;

    /// <summary>The local feed holding the packed packages.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The version every package was packed with, unique to this run.</summary>
    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";

    /// <summary>The packages folder restores and tool installs of these tests use, so that nothing of this version reaches the machine's.</summary>
    public string PackagesFolder => Path.Combine(Root, "packages");

    public async ValueTask InitializeAsync() =>
        await ExternalCommand.RunSuccessfullyAsync("bash", [Path.Combine(Repository, "build", "pack.sh"), Feed, $"-p:Version={Version}"], Repository);

    /// <summary>
    /// Installs <c>ProjectionGen.Tool</c> of <see cref="Version"/> from <see cref="Feed"/> into a tool path of its own
    /// (<c>dotnet tool install --tool-path</c>), from a folder whose nuget.config adds the feed to the machine's default sources,
    /// and returns the path of the installed <c>projectiongen</c> command.
    /// </summary>
    public async Task<string> InstallToolAsync()
    {
        await installing.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (toolCommand is null)
            {
                var directory = Path.Combine(Root, "tool");
                Directory.CreateDirectory(directory);
                await File.WriteAllTextAsync(Path.Combine(directory, "nuget.config"), $"""
                    <?xml version="1.0" encoding="utf-8"?>
                    <configuration>
                      <packageSources>
                        <add key="projectiongen-local" value="{Feed}" />
                      </packageSources>
                    </configuration>
                    """, TestContext.Current.CancellationToken);
                var toolPath = Path.Combine(directory, "tools");
                await ExternalCommand.RunSuccessfullyAsync(
                    "dotnet",
                    ["tool", "install", "ProjectionGen.Tool", "--version", Version, "--tool-path", toolPath, "--add-source", Feed],
                    directory,
                    new Dictionary<string, string?> { ["NUGET_PACKAGES"] = PackagesFolder });
                toolCommand = Path.Combine(toolPath, "projectiongen");
            }

            return toolCommand;
        }
        finally
        {
            installing.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        installing.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
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
}
