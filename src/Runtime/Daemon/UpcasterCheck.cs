namespace ProjectionGen.Daemon;

/// <summary>
/// Refuses to start a node whose event type registry lacks the upcasters its projections were generated with: without
/// them the projections would never read the events stored under upcast-only names, silently (docs/generator.md,
/// "Upcasting").
/// </summary>
internal static class UpcasterCheck
{
    /// <summary>The registration the message asks for.</summary>
    internal const string Remedy = "AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)";

    /// <summary>
    /// Throws when a projection's generated descriptor names an upcast-from stored name
    /// (<see cref="ProjectionDescriptor.UpcastFromNames"/>) that its setup does not read.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some projection would skip events stored under its upcast-from names.</exception>
    public static void ThrowIfMissing(IEnumerable<ProjectionSetup> setups, string nodeName)
    {
        var problems = new List<string>();
        var seen = new HashSet<ProjectionDescriptor>();
        foreach (var setup in setups)
        {
            if (!seen.Add(setup.Descriptor))
            {
                continue;
            }

            var missing = setup.Descriptor.UpcastFromNames.Where(name => Array.IndexOf(setup.EventTypeNames, name) < 0).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"projection '{setup.Name}' would never read the events stored as {string.Join(", ", missing.Select(name => $"'{name}'"))}");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"Node '{nodeName}' did not start: its event type registry lacks upcasters its projections were generated with, so {string.Join("; ", problems)}. "
                + $"Register them before creating the daemon: registry.{Remedy} (or {Remedy} on the hosting builder), in the assembly that declares the [EventUpcasters] classes (docs/generator.md, \"Upcasting\").");
        }
    }
}
