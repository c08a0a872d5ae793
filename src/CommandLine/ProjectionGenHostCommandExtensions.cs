using Microsoft.Extensions.Hosting;

namespace ProjectionGen.CommandLine;

/// <summary>The ProjectionGen commands inside an application's own host (docs/operations.md, "Command line").</summary>
public static class ProjectionGenHostCommandExtensions
{
    /// <summary>
    /// Runs a ProjectionGen command when <paramref name="args"/> is one (<c>projections ...</c>, <c>db ...</c>,
    /// <c>events ...</c>) without starting the host, and returns its exit code; otherwise runs the host until it stops
    /// and returns 0. Use it as the last line of <c>Program.cs</c>: <c>return await host.RunProjectionGenCommandsAsync(args);</c>
    /// </summary>
    /// <param name="host">A host built with <c>AddProjectionGen</c>.</param>
    /// <param name="args">The process's arguments.</param>
    /// <param name="cancellationToken">Cancels the command or stops the host.</param>
    /// <returns>The exit code (<see cref="ProjectionGenExitCodes"/>).</returns>
    public static async Task<int> RunProjectionGenCommandsAsync(this IHost host, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(args);
        if (!ProjectionGenCommands.IsProjectionGenCommand(args))
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        }

        var root = ProjectionGenCommands.CreateHostRootCommand(host.Services);
        return await ProjectionGenCommands.InvokeAsync(root, args, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
