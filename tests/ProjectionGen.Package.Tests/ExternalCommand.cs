using System.Diagnostics;
using System.Text;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>What a finished command wrote and how it exited.</summary>
internal sealed record ExternalCommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, standard output first.</summary>
    public string Output => StandardOutput + StandardError;
}

/// <summary>
/// Runs the commands these tests drive (dotnet, the installed tool, psql) as separate processes, outside the test
/// run's MSBuild environment, and logs them with every argument that holds a password replaced.
/// </summary>
internal static class ExternalCommand
{
    /// <summary>Runs <paramref name="fileName"/> to its end (killed after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<ExternalCommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var argumentList = arguments.ToList();
        var startInfo = CreateStartInfo(fileName, argumentList, workingDirectory, environment);
        startInfo.RedirectStandardInput = true;
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{Describe(fileName, argumentList)} did not end within {timeout}.");
        }

        var result = new ExternalCommandResult(process.ExitCode, await stdout, await stderr);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"$ {Describe(fileName, argumentList)} -> exit {result.ExitCode}{Environment.NewLine}{Truncate(result.StandardOutput)}{Truncate(result.StandardError)}");
        return result;
    }

    /// <summary>Runs <paramref name="fileName"/> and asserts that it exits 0; returns its output.</summary>
    public static async Task<ExternalCommandResult> RunSuccessfullyAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var argumentList = arguments.ToList();
        var result = await RunAsync(fileName, argumentList, workingDirectory, environment, timeout);
        Assert.True(result.ExitCode == 0, $"{Describe(fileName, argumentList)} exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
        return result;
    }

    /// <summary>
    /// A start info with redirected output, whose environment lacks the outer test run's MSBuild settings (they must
    /// not leak into a fresh build or tool) and has <paramref name="environment"/> applied (a null value removes).
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

    /// <summary>The command line as the log shows it: an argument holding a password is replaced by <c>&lt;connection&gt;</c>.</summary>
    public static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments.Select(a => a.Contains("Password", StringComparison.OrdinalIgnoreCase) ? "<connection>" : a)));

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + $"... ({text.Length} characters)" + Environment.NewLine;
}
