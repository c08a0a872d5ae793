using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Packs ProjectionGen and ProjectionGen.Testing, then builds and runs a brand-new project that gets ProjectionGen from
/// the local folder (nothing from this repository), with warnings as errors.
/// </summary>
public sealed class PackageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fresh_project_builds_against_the_packed_package_and_its_projection_runs()
    {
        var repository = FindRepositoryRoot();
        var root = Directory.CreateTempSubdirectory("projectiongen-package-").FullName;
        try
        {
            var feed = Path.Combine(root, "feed");
            var version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
            await RunAsync("bash", [Path.Combine(repository, "build", "pack.sh"), feed, $"-p:Version={version}"], repository);

            var package = Path.Combine(feed, $"ProjectionGen.{version}.nupkg");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
                Assert.Contains("lib/net10.0/ProjectionGen.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ProjectionGen.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ProjectionGen.Generators.CodeFixes.dll", entries);
                Assert.Contains("README.md", entries);
            }

            Assert.True(File.Exists(Path.Combine(feed, $"ProjectionGen.Testing.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"ProjectionGen.{version}.snupkg")));

            var app = Path.Combine(root, "app");
            Directory.CreateDirectory(app);
            await File.WriteAllTextAsync(Path.Combine(app, "QuickStart.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <AnalysisLevel>latest-recommended</AnalysisLevel>
                    <RestorePackagesPath>{Path.Combine(root, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="ProjectionGen" Version="{version}" />
                    <PackageReference Include="ProjectionGen.Testing" Version="{version}" />
                  </ItemGroup>
                </Project>
                """, Ct);
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="projectiongen-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """, Ct);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "QuickStart.cs.txt"), Path.Combine(app, "Program.cs"));

            await RunAsync("dotnet", ["build", "-c", "Release", "-nologo"], app);

            // The package was restored from the local folder, and that folder alone holds this version.
            var metadata = await File.ReadAllTextAsync(Path.Combine(root, "packages", "projectiongen", version, ".nupkg.metadata"), Ct);
            Assert.Contains(feed, metadata, StringComparison.Ordinal);

            var output = await RunAsync("dotnet", ["run", "--no-build", "-c", "Release"], app);
            Assert.Contains("cart-1 items: 3", output, StringComparison.Ordinal);
            Assert.Contains("apple sold: 7", output, StringComparison.Ordinal);
            Assert.Contains("cart_ledger: 3 rows, 8 items", output, StringComparison.Ordinal);
            Assert.Contains("live cart-2 items: 5", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
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

    private static async Task<string> RunAsync(string fileName, string[] arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The outer test run's MSBuild settings must not leak into the fresh project's build.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
        {
            startInfo.Environment.Remove(name);
        }

        using var process = Process.Start(startInfo)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        output.Append(await stdout).Append(await stderr);
        TestContext.Current.TestOutputHelper?.WriteLine($"$ {fileName} {string.Join(' ', arguments)}{Environment.NewLine}{output}");
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:{Environment.NewLine}{output}");
        return output.ToString();
    }
}
