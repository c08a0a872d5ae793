using System.Diagnostics;
using System.Text;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Runs the Orders sample's commands as separate processes.</summary>
internal sealed class SampleApp : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SampleApp(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public int Id => process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => process.HasExited;

    public static SampleApp Start(params string[] arguments) => StartExecutable(null, arguments);

    /// <summary>Starts <paramref name="executable"/> (a published sample), or the built sample through dotnet when null.</summary>
    public static SampleApp StartExecutable(string? executable, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(executable ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null)
        {
            startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sample", "Orders.dll"));
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new SampleApp(Process.Start(startInfo)!);
    }

    /// <summary>Runs a command to its end; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] arguments) => RunExecutableAsync(null, timeout, arguments);

    /// <summary>Whether the sample's <c>verify</c> reports exactly-once against <paramref name="connection"/> within <paramref name="timeout"/> (asked every half second).</summary>
    public static async Task<bool> VerifiesWithinAsync(string connection, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var (exitCode, output) = await RunAsync(TimeSpan.FromMinutes(1), "verify", "--connection", connection);
            if (exitCode == 0 && output.Contains("exactly-once verified", StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        return false;
    }

    /// <summary>Runs a command of <paramref name="executable"/> (see <see cref="StartExecutable"/>) to its end.</summary>
    public static async Task<(int ExitCode, string Output)> RunExecutableAsync(string? executable, TimeSpan timeout, params string[] arguments)
    {
        await using var app = StartExecutable(executable, arguments);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        await app.process.WaitForExitAsync(deadline.Token);
        app.process.WaitForExit();
        TestContext.Current.TestOutputHelper?.WriteLine($"$ Orders {string.Join(' ', arguments.Select(a => a.Contains("Password", StringComparison.Ordinal) ? "<connection>" : a))}\n{app.Output}");
        return (app.process.ExitCode, app.Output);
    }

    /// <summary>SIGTERM: a node drains, releases its locks and exits.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        // Never signal a process that has exited: its pid may already belong to another process (this machine's pids
        // wrap at 32,768, and every PostgreSQL connection is a process), such as another test project's test host.
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>
    /// The first line of the output that <paramref name="matches"/>, waited for at most <paramref name="timeout"/>
    /// (checked every 50 ms); null when none came in time or the process ended without it.
    /// </summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> matches, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var exited = process.HasExited;
            if (Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(matches) is { } line)
            {
                return line;
            }

            if (exited || Stopwatch.GetTimestamp() > deadline)
            {
                return null;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>SIGKILL, and waits for the exit: the process ends at once, its sockets closed by the kernel.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (<c>STOP</c>, <c>CONT</c>) to the process while it runs: SIGSTOP freezes it with
    /// every socket open, SIGCONT wakes it.
    /// </summary>
    public async Task SignalAsync(string signal)
    {
        // As for SIGTERM: never signal a process that has exited (its pid may belong to another process by now).
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }
    }

    /// <summary>Waits for the process to end by itself within <paramref name="timeout"/>; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit();
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // A stopped process ends on SIGKILL too; SIGCONT first all the same, so that nothing of it stays frozen.
            await SignalAsync("CONT");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
