namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated text with a checked-in <c>Snapshots/NAME.verified.cs</c>. With
/// <c>PROJECTIONGEN_UPDATE_SNAPSHOTS=1</c> it rewrites the file instead, for intended changes (review the diff).
/// </summary>
internal static class Snapshot
{
    /// <summary>The environment variable that turns comparison into rewriting.</summary>
    public const string UpdateVariable = "PROJECTIONGEN_UPDATE_SNAPSHOTS";

    /// <summary>Asserts that <paramref name="actual"/> equals the snapshot <paramref name="name"/>.</summary>
    public static void Verify(string name, string actual)
    {
        var path = Path.Combine(TestPaths.ProjectDirectory, "Snapshots", name + ".verified.cs");
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"Snapshot {path} is missing; run the tests with {UpdateVariable}=1 to write it.");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }
}
