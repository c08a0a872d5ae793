namespace ProjectionGen.Testing;

/// <summary>Where a <see cref="PostgresServer"/> came from.</summary>
public enum PostgresServerSource
{
    /// <summary>An existing server named by the <c>PROJECTIONGEN_TEST_CONNECTION</c> environment variable; it cannot be restarted or crashed.</summary>
    External,

    /// <summary>An ephemeral cluster created with the local <c>initdb</c> and run with <c>pg_ctl</c>.</summary>
    LocalBinaries,

    /// <summary>A Docker container started through Testcontainers.</summary>
    Docker,
}
