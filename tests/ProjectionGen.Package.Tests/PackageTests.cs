using System.IO.Compression;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Packs ProjectionGen and ProjectionGen.Testing (<see cref="PackedFeed"/>), then builds and runs a brand-new project
/// that gets ProjectionGen from the local folder (nothing from this repository), with warnings as errors.
/// </summary>
[Collection(PackedFeedTests.Name)]
public sealed class PackageTests(PackedFeed packed)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fresh_project_builds_against_the_packed_package_and_its_projection_runs()
    {
        var root = Path.Combine(packed.Root, "quickstart");
        var feed = packed.Feed;
        var version = packed.Version;

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

    private static async Task<string> RunAsync(string fileName, string[] arguments, string workingDirectory) =>
        (await ExternalCommand.RunSuccessfullyAsync(fileName, arguments, workingDirectory)).Output;
}
