namespace ProjectionGen.Testing;

/// <summary>The RabbitMQ server start script and the Erlang port mapper daemon (<c>epmd</c>) it registers with.</summary>
internal sealed record RabbitMqBinaries(string ServerScript, string Epmd)
{
    /// <summary>How to get the binaries, for error messages.</summary>
    public const string InstallHint = "Install RabbitMQ (Debian/Ubuntu: sudo apt-get install rabbitmq-server; build/test.sh does so as root on Debian).";

    private static readonly string[] ServerFolders = ["/usr/lib/rabbitmq/bin", "/usr/sbin"];
    private static readonly string[] EpmdFolders = ["/usr/lib/erlang/bin", "/usr/bin"];

    /// <summary>
    /// Looks for <c>rabbitmq-server</c> on PATH, then in <c>/usr/lib/rabbitmq/bin</c> and <c>/usr/sbin</c>, and for
    /// <c>epmd</c> on PATH, then in <c>/usr/lib/erlang/bin</c> and <c>/usr/bin</c>; <see langword="null"/> when either is missing.
    /// </summary>
    public static RabbitMqBinaries? Find()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var server = Candidates("rabbitmq-server", ServerFolders).Select(ResolveServerScript).FirstOrDefault(script => script is not null);
        var epmd = Candidates("epmd", EpmdFolders).FirstOrDefault(File.Exists);
        return server is not null && epmd is not null ? new RabbitMqBinaries(server, epmd) : null;
    }

    private static IEnumerable<string> Candidates(string name, IEnumerable<string> knownFolders) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(knownFolders)
            .Select(folder => Path.Combine(folder, name));

    private static string? ResolveServerScript(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        if (string.Equals(Path.GetFileName(target), "rabbitmq-server", StringComparison.Ordinal))
        {
            return target;
        }

        // Debian's /usr/sbin/rabbitmq-server links to a wrapper (rabbitmq-script-wrapper) that switches to the rabbitmq
        // account, works in /var/lib/rabbitmq and sends the output to /var/log/rabbitmq; the real script sits beside it.
        var beside = Path.Combine(Path.GetDirectoryName(target)!, "rabbitmq-server");
        return File.Exists(beside) ? new FileInfo(beside).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? beside : null;
    }
}
