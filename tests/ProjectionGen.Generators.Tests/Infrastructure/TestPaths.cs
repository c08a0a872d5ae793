using System.Reflection;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>Folders baked into the test assembly at build time (real paths, unaffected by deterministic path maps).</summary>
internal static class TestPaths
{
    /// <summary>This test project's folder, where the snapshots live.</summary>
    public static string ProjectDirectory => Metadata("ProjectDirectory");

    /// <summary>The repository root, for the sample's sources.</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing.");
}
