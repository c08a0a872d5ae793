using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ProjectionGen.Tests;

/// <summary>
/// One node of the Orders sample (<c>node --connection ... --node name</c>), run from its build output with dotnet, as
/// ProjectionGen.Samples.Tests does: the cluster the packed tool is pointed at.
/// </summary>
internal sealed class SampleNode : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SampleNode(string name, Process process)
    {
        Name = name;
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>What the node has written so far.</summary>
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

    public static SampleNode Start(string sampleDll, string connectionString, string name)
    {
        var startInfo = ExternalCommand.CreateStartInfo("dotnet", [sampleDll, "node", "--connection", connectionString, "--node", name]);
        return new SampleNode(name, Process.Start(startInfo)!);
    }

    /// <summary>SIGTERM (the node drains, releases its locks and exits), then a kill when it has not ended within 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            // Never signal a process that has exited: its pid may already belong to another process.
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync();
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
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
