using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// With the real SDK: the Orders sample's projections build in a standalone project (strict user
/// settings, generated files emitted to obj/), and removing <c>partial</c> fails the build with PGEN001 and its fix-it text.
/// </summary>
public sealed class SampleBuildTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Sample_builds_with_visible_generated_files_and_fails_with_PGEN001_when_partial_is_removed()
    {
        var project = Directory.CreateTempSubdirectory("projectiongen-sample-");
        try
        {
            CopySample(project.FullName);

            var (exitCode, output) = await DotnetCli.RunAsync(project.FullName, BuildTimeout, "build", "-nologo", "-v", "quiet");
            Assert.True(exitCode == 0, "The sample did not build:\n" + output);
            var generated = Directory.GetFiles(Path.Combine(project.FullName, "obj"), "Orders.Projections.OrderSummaryProjection.g.cs", SearchOption.AllDirectories);
            var file = Assert.Single(generated);
            Assert.Contains(Path.Combine("generated", "ProjectionGen.Generators", "ProjectionGen.Generators.ProjectionGenerator"), file);
            Assert.Contains("partial class OrderSummaryProjection : global::ProjectionGen.IGeneratedProjection", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));

            var projection = Path.Combine(project.FullName, "Projections", "OrderSummaryProjection.cs");
            var source = await File.ReadAllTextAsync(projection, TestContext.Current.CancellationToken);
            Assert.Contains("public sealed partial class OrderSummaryProjection", source);
            var withoutPartial = source.Replace("public sealed partial class", "public sealed class");
            await File.WriteAllTextAsync(projection, withoutPartial, TestContext.Current.CancellationToken);
            var lines = withoutPartial.Split('\n');
            var line = Array.FindIndex(lines, l => l.Contains("class OrderSummaryProjection"));
            var column = lines[line].IndexOf("OrderSummaryProjection", StringComparison.Ordinal);

            (exitCode, output) = await DotnetCli.RunAsync(project.FullName, BuildTimeout, "build", "--no-restore", "-nologo", "-v", "quiet");
            Assert.True(exitCode != 0, "The build without partial succeeded:\n" + output);
            var expected = $"OrderSummaryProjection.cs({line + 1},{column + 1}): error PGEN001: Projection class 'OrderSummaryProjection' must be declared partial so that the generator can implement IGeneratedProjection for it; add the 'partial' modifier";
            Assert.True(output.Contains(expected, StringComparison.Ordinal), "PGEN001 is missing from the build output:\n" + output);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The sample's events and projections in a library outside the repository, referencing the built runtime and
    /// generator (the rest of the sample, its commands, needs packages this test does not bring).
    /// </summary>
    private static void CopySample(string target)
    {
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "Orders");
        foreach (var file in new[] { "Events", "Projections" }.SelectMany(folder => Directory.GetFiles(Path.Combine(sample, folder), "*.cs", SearchOption.AllDirectories)))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(sample, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var binaries = AppContext.BaseDirectory;
        File.WriteAllText(Path.Combine(target, "Orders.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Library</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <AnalysisLevel>latest-recommended</AnalysisLevel>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                <NoWarn>$(NoWarn);CA1515</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="{Path.Combine(binaries, "ProjectionGen.dll")}" />
                <Analyzer Include="{Path.Combine(binaries, "ProjectionGen.Generators.dll")}" />
                <Analyzer Include="{Path.Combine(binaries, "ProjectionGen.Generators.CodeFixes.dll")}" />
              </ItemGroup>
            </Project>
            """);
    }
}
