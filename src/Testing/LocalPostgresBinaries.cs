namespace ProjectionGen.Testing;

/// <summary>The folder holding the PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>).</summary>
internal sealed record LocalPostgresBinaries(string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>Looks on PATH first, then under <c>/usr/lib/postgresql/*/bin</c> (newest major version first).</summary>
    public static LocalPostgresBinaries? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasServerBinaries(directory))
            {
                // PATH often holds symbolic links; the real folder also has pg_basebackup and the other tools.
                var initDb = new FileInfo(Path.Combine(directory, "initdb"));
                var target = initDb.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initDb.FullName;
                return new LocalPostgresBinaries(Path.GetDirectoryName(target)!);
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(version => (Major: int.TryParse(Path.GetFileName(version), out var major) ? major : 0, Bin: Path.Combine(version, "bin")))
            .Where(candidate => HasServerBinaries(candidate.Bin))
            .OrderByDescending(candidate => candidate.Major)
            .Select(candidate => new LocalPostgresBinaries(candidate.Bin))
            .FirstOrDefault();
    }

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));
}
