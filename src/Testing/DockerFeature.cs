using System.Diagnostics.CodeAnalysis;

namespace ProjectionGen.Testing;

/// <summary>
/// The feature switch <c>ProjectionGen.Testing.DockerSupport</c> (on unless an application turns it off): whether
/// <see cref="PostgresServer.StartAsync(PostgresServerOptions?, CancellationToken)"/> may fall back to Docker through
/// Testcontainers, which is not trim-compatible. A trimmed application turns it off (a <c>RuntimeHostConfigurationOption</c>
/// with <c>Trim="true"</c>, as samples/Orders does), and the trimmer then removes the Docker path (docs/testing.md).
/// </summary>
internal static class DockerFeature
{
    /// <summary>The switch's name.</summary>
    public const string SwitchName = "ProjectionGen.Testing.DockerSupport";

    /// <summary>Whether the Docker fallback is available.</summary>
    [FeatureSwitchDefinition(SwitchName)]
    public static bool IsSupported => !AppContext.TryGetSwitch(SwitchName, out var enabled) || enabled;
}
