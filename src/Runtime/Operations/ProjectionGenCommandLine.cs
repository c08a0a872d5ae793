using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace ProjectionGen.Operations;

/// <summary>
/// The <c>status</c> and <c>rebuild</c> commands, for an application to expose on its command line (the projections
/// live in the application, so only it can rebuild them): <c>status [--json]</c> and
/// <c>rebuild &lt;projection&gt; [--json]</c>. Resolves <see cref="ProjectionStatusReader"/> and
/// <see cref="ProjectionRebuilder"/> from a provider built with <c>AddProjectionGen</c>; the host need not be started.
/// </summary>
public static class ProjectionGenCommandLine
{
    /// <summary>Whether <paramref name="args"/> name one of these commands.</summary>
    public static bool IsCommand(IReadOnlyList<string> args) => args is ["status", ..] or ["rebuild", ..];

    /// <summary>Runs the command in <paramref name="args"/>, writing to <paramref name="output"/>.</summary>
    /// <returns>The process exit code: 0 on success, 2 on a usage error, 1 when the command failed.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var json = args.Contains("--json");
        var operands = args.Where(a => a != "--json").ToList();
        switch (operands)
        {
            case ["status"]:
                var status = await services.GetRequiredService<ProjectionStatusReader>().ReadClusterAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(json ? ProjectionStatusFormatter.ToJson(status) + Environment.NewLine : ProjectionStatusFormatter.ToTable(status)).ConfigureAwait(false);
                return 0;
            case ["rebuild", var projection]:
                var rebuilder = services.GetRequiredService<ProjectionRebuilder>();
                ProjectionRebuildResult result;
                try
                {
                    result = await rebuilder.RebuildAsync(projection, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception failure) when (failure is ArgumentException or InvalidOperationException)
                {
                    await output.WriteLineAsync("rebuild: " + failure.Message).ConfigureAwait(false);
                    return 1;
                }

                await output.WriteLineAsync(json
                    ? $$"""{"projection":"{{result.Projection}}","epoch":{{Invariant(result.Epoch)}},"previousPosition":{{Invariant(result.PreviousPosition)}}}"""
                    : $"Rebuilding {result.Projection}: epoch {Invariant(result.Epoch)}, position {Invariant(result.PreviousPosition)} -> 0, read model cleared; the owner ({result.PreviousOwner ?? "none"}) is fenced and a node replays it.").ConfigureAwait(false);
                return 0;
            default:
                await output.WriteLineAsync("usage: status [--json] | rebuild <projection> [--json]").ConfigureAwait(false);
                return 2;
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
