using System.Diagnostics;
using System.Globalization;
using ProjectionGen.Chaos.Node;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// A daemon node running as its own OS process (this program's <c>node</c> command). The connection string goes to the
/// child in an environment variable, never on its command line. The child's standard input is a pipe held here: if
/// this process dies, the pipe closes and the node stops itself.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    /// <summary>The environment variable that carries the connection string to the node process.</summary>
    public const string ConnectionVariable = "PROJECTIONGEN_CHAOS_CONNECTION";

    /// <summary>
    /// The environment variable that carries the lock connection string, when it differs from the batches' (batches
    /// through a pooler, the lock connection direct).
    /// </summary>
    public const string LockConnectionVariable = "PROJECTIONGEN_CHAOS_LOCK_CONNECTION";

    /// <summary>The start of the first line a node process writes (<see cref="UpLine"/>): its own code has begun to run.</summary>
    public const string UpMarker = "chaos node process up at ";

    /// <summary>
    /// The line a node process writes first: its <see cref="Stopwatch.GetTimestamp"/> then (the monotonic clock is the
    /// machine's, the same in every process) and its name.
    /// </summary>
    public static string UpLine(string name, long timestamp) => string.Create(CultureInfo.InvariantCulture, $"{UpMarker}{timestamp}: {name}");

    private readonly string connectionString;
    private readonly string? lockConnectionString;
    private readonly string directory;
    private Process? process;
    private Task? pump;
    private TaskCompletionSource<long> up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeProcess(NodeSettings settings, string connectionString, string directory, string? lockConnectionString = null)
    {
        Settings = settings;
        this.connectionString = connectionString;
        this.lockConnectionString = lockConnectionString;
        this.directory = directory;
    }

    public NodeProcess(string name, string connectionString, string directory, bool unfenced)
        : this(new NodeSettings { Name = name, Unfenced = unfenced }, connectionString, directory)
    {
    }

    public string Name => Settings.Name;

    /// <summary>The settings of the next <see cref="Start"/> (a restart may change them, as a redeploy would).</summary>
    public NodeSettings Settings { get; set; }

    public string HistoryFile => Path.Combine(directory, $"{Name}.history.jsonl");

    public string LogFile => Path.Combine(directory, $"{Name}.log");

    public bool IsRunning => process is { HasExited: false };

    public bool IsPaused { get; private set; }

    /// <summary>The OS process id of the running node, or null.</summary>
    public int? ProcessId => process is { HasExited: false } running ? running.Id : null;

    /// <summary>When the current process was started (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long StartedAt { get; private set; }

    /// <summary>
    /// When the current process wrote its <see cref="UpMarker"/> line (<see cref="Stopwatch.GetTimestamp"/>), waiting
    /// for it at most <paramref name="timeout"/> (60 s when not given). The cluster tests and the fault suite measure
    /// balance and takeover from here: before it, only the runtime's start runs, which on a loaded machine takes from
    /// one to ten seconds and says nothing about placement (docs/testing.md). Falls back to <see cref="StartedAt"/>
    /// when the process exits or the wait times out, so the bound that follows fails with its own diagnostics.
    /// </summary>
    public async Task<long> UpAsync(TimeSpan? timeout = null)
    {
        try
        {
            return await up.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            return StartedAt;
        }
    }

    /// <summary>The latest <see cref="UpAsync"/> of <paramref name="nodes"/>: the moment the last of them was up.</summary>
    public static async Task<long> LastUpAsync(IEnumerable<NodeProcess> nodes) =>
        (await Task.WhenAll(nodes.Select(n => n.UpAsync()))).Max();

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"node {Name} is already running");
        }

        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.Environment[ConnectionVariable] = connectionString;
        if (lockConnectionString is null)
        {
            startInfo.Environment.Remove(LockConnectionVariable);
        }
        else
        {
            startInfo.Environment[LockConnectionVariable] = lockConnectionString;
        }
        foreach (var argument in new[] { typeof(NodeProcess).Assembly.Location, "node", "--history", HistoryFile }.Concat(Settings.ToArguments()))
        {
            startInfo.ArgumentList.Add(argument);
        }

        process?.Dispose();
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        up = started;
        StartedAt = Stopwatch.GetTimestamp();
        process = Process.Start(startInfo) ?? throw new InvalidOperationException($"node {Name} did not start");
        IsPaused = false;
        var log = TextWriter.Synchronized(new StreamWriter(LogFile, append: true) { AutoFlush = true });
        var startedAt = StartedAt;
        pump = Task.WhenAll(Copy(process.StandardOutput, log, started), Copy(process.StandardError, log, null))
            .ContinueWith(_ => { started.TrySetResult(startedAt); log.Dispose(); }, TaskScheduler.Default);
    }

    /// <summary>SIGSTOP: the process freezes with every socket open (its sessions stay, idle, on the server).</summary>
    public Task PauseAsync() { IsPaused = true; return SignalAsync("STOP"); }

    /// <summary>SIGCONT.</summary>
    public Task ResumeAsync() { IsPaused = false; return SignalAsync("CONT"); }

    /// <summary>SIGKILL (after SIGCONT when stopped), and waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            if (IsPaused)
            {
                await ResumeAsync();
            }

            process.Kill();
            await process.WaitForExitAsync();
        }

        IsPaused = false;
    }

    /// <summary>SIGTERM: the node drains its batch, releases its locks, deregisters and exits.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (process is not { HasExited: false })
        {
            return;
        }

        if (IsPaused)
        {
            await ResumeAsync();
        }

        await SignalAsync("TERM");
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (pump is not null)
        {
            await pump;
        }

        process?.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        if (process is not { HasExited: false })
        {
            return;
        }

        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    private static async Task Copy(StreamReader from, TextWriter to, TaskCompletionSource<long>? up)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            if (up is not null && line.StartsWith(UpMarker, StringComparison.Ordinal))
            {
                var end = line.IndexOf(':', UpMarker.Length);
                up.TrySetResult(end > 0 && long.TryParse(line.AsSpan(UpMarker.Length, end - UpMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                    ? at
                    : Stopwatch.GetTimestamp());
            }

            to.WriteLine(line);
        }
    }
}
