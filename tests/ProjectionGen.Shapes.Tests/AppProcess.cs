using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ProjectionGen.Tests;

/// <summary>
/// A process of one build of the shapes test application (ProjectionGen.Shapes.App, <c>Old</c> or <c>New</c>), with its
/// output kept. Disposing it kills the process if it still runs, also when the test failed.
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private AppProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

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

    /// <summary>The lines of <see cref="Output"/> with log event id <paramref name="eventId"/> (the console logger writes <c>[id]</c>).</summary>
    public IReadOnlyList<string> LogLines(int eventId) =>
        [.. Output.Split('\n').Where(line => line.Contains(string.Create(CultureInfo.InvariantCulture, $"[{eventId}]"), StringComparison.Ordinal))];

    /// <summary>Starts <paramref name="build"/> (<c>Old</c> or <c>New</c>) with <paramref name="arguments"/>.</summary>
    public static AppProcess Start(string build, string name, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(DllOf(build));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new AppProcess(name, Process.Start(startInfo)!);
    }

    /// <summary>Sends SIGTERM and waits for the process to stop gracefully.</summary>
    public async Task StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        await process.WaitForExitAsync(bound.Token);
    }

    /// <summary>Waits for the process to exit on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        await process.WaitForExitAsync(bound.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>The built application of <paramref name="build"/>, in the configuration this test assembly was built in.</summary>
    private static string DllOf(string build)
    {
        // tests/ProjectionGen.Shapes.Tests/bin/<configuration>/net10.0/
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = output.Parent!.Name;
        var tests = output.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(tests, "ProjectionGen.Shapes.App", build, "bin", configuration, "net10.0", $"ProjectionGen.Shapes.App.{build}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The {build} build of the shapes test application is not built: {dll}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
