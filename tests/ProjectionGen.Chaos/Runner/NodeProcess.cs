using System.Diagnostics;
using System.Globalization;

namespace ProjectionGen.Chaos.Runner;

/// <summary>A daemon node running as its own OS process (this program's <c>node</c> command).</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly string connectionString;
    private readonly string directory;
    private readonly bool unfenced;
    private Process? process;
    private Task? pump;

    public NodeProcess(string name, string connectionString, string directory, bool unfenced)
    {
        Name = name;
        this.connectionString = connectionString;
        this.directory = directory;
        this.unfenced = unfenced;
    }

    public string Name { get; }

    public string HistoryFile => Path.Combine(directory, $"{Name}.history.jsonl");

    public string LogFile => Path.Combine(directory, $"{Name}.log");

    public bool IsRunning => process is { HasExited: false };

    public bool IsPaused { get; private set; }

    public void Start()
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { typeof(NodeProcess).Assembly.Location, "node", "--connection", connectionString, "--node", Name, "--history", HistoryFile })
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (unfenced)
        {
            startInfo.ArgumentList.Add("--unfenced");
        }

        process = Process.Start(startInfo) ?? throw new InvalidOperationException($"node {Name} did not start");
        var log = TextWriter.Synchronized(new StreamWriter(LogFile, append: true) { AutoFlush = true });
        pump = Task.WhenAll(Copy(process.StandardOutput, log), Copy(process.StandardError, log)).ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
    }

    public Task PauseAsync() { IsPaused = true; return SignalAsync("STOP"); }

    public Task ResumeAsync() { IsPaused = false; return SignalAsync("CONT"); }

    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        IsPaused = false;
    }

    /// <summary>SIGTERM: the node drains its batch, releases its locks and exits.</summary>
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

    private static async Task Copy(StreamReader from, TextWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            to.WriteLine(line);
        }
    }
}
