using ProjectionGen.CommandLine;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Runs a ProjectionGen command (ProjectionGen.CommandLine) against a host's services, as the host's own command line would.</summary>
internal static class HostCommands
{
    /// <summary>Runs <c>projections</c> <paramref name="args"/>; output and errors are collected together.</summary>
    public static Task<(int ExitCode, string Output)> ProjectionsAsync(IServiceProvider services, params string[] args) => RunAsync(services, ["projections", .. args]);

    /// <summary>Runs <paramref name="args"/> as given (the first word <c>projections</c>, <c>db</c> or <c>events</c>).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IServiceProvider services, string[] args)
    {
        var output = new StringWriter();
        var exit = await ProjectionGenCommands.InvokeAsync(ProjectionGenCommands.CreateHostRootCommand(services), args, output, output, cancellationToken: TestContext.Current.CancellationToken);
        return (exit, output.ToString());
    }
}
