namespace ProjectionGen.CommandLine;

/// <summary>The exit codes of every ProjectionGen command (docs/operations.md, "Command line").</summary>
public static class ProjectionGenExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed: a server that cannot be reached, an unknown projection, node or generation, a refused operation.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong: an unknown command or option, a missing argument, no connection string.</summary>
    public const int Usage = 2;

    /// <summary><c>db assert</c>: the database is not at the schema this library expects (behind, ahead, or missing tables).</summary>
    public const int SchemaMismatch = 3;

    /// <summary>
    /// <c>status --all-tenants</c>: at least one tenant database could not be read (its row is an error); the others were
    /// shown (docs/operations.md, "Command line").
    /// </summary>
    public const int SomeFailed = 4;
}
