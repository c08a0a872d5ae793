namespace ProjectionGen.Testing;

/// <summary>Settings for <see cref="PostgresServer.StartAsync(PostgresServerOptions?, CancellationToken)"/>.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>The environment variable that names an existing server to use instead of starting one.</summary>
    public const string ConnectionEnvironmentVariable = "PROJECTIONGEN_TEST_CONNECTION";

    /// <summary>
    /// Whether an existing server from <see cref="ConnectionEnvironmentVariable"/> may be used. Fault tests that must
    /// own their server set this to <see langword="false"/>. Default <see langword="true"/>.
    /// </summary>
    public bool AllowExternal { get; set; } = true;

    /// <summary>Extra <c>postgresql.conf</c> settings for servers this harness starts (name to value).</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The <c>max_connections</c> of servers this harness starts. Default 300.</summary>
    public int MaxConnections { get; set; } = 300;

    /// <summary>The Docker image used when a container is started. Default <c>postgres:15-alpine</c>.</summary>
    public string DockerImage { get; set; } = "postgres:15-alpine";
}
