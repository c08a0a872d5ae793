using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace ProjectionGen.Operations;

/// <summary>
/// The <c>status</c>, <c>rebuild</c> and version commands, for an application to expose on its command line (the
/// projections live in the application, so only it can rebuild them): <c>status [--json]</c>,
/// <c>rebuild &lt;projection&gt; [--shadow] [--json]</c>, <c>switch-back &lt;projection&gt; &lt;generation&gt;</c> and
/// <c>retire &lt;projection&gt; &lt;generation&gt;</c> (docs/versions.md). Resolves <see cref="ProjectionStatusReader"/>,
/// <see cref="ProjectionRebuilder"/> and <see cref="Versions.ProjectionVersionOperations"/> from a provider built with
/// <c>AddProjectionGen</c>; the host need not be started.
/// </summary>
public static class ProjectionGenCommandLine
{
    /// <summary>Runs the command in <paramref name="args"/>, writing to <paramref name="output"/>.</summary>
    /// <returns>The process exit code: 0 on success, 2 on a usage error, 1 when the command failed.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var json = args.Contains("--json");
        var shadow = args.Contains("--shadow");
        var operands = args.Where(a => a is not "--json" and not "--shadow").ToList();
        switch (operands)
        {
            case ["status"]:
                var status = await services.GetRequiredService<ProjectionStatusReader>().ReadClusterAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(json ? ProjectionStatusFormatter.ToJson(status) + Environment.NewLine : ProjectionStatusFormatter.ToTable(status)).ConfigureAwait(false);
                return 0;
            case ["rebuild", var shadowed] when shadow:
                return await RunVersionCommandAsync(services, "rebuild --shadow", output, async operations =>
                {
                    var generation = await operations.StartShadowRebuildAsync(shadowed, cancellationToken).ConfigureAwait(false);
                    return json
                        ? $$"""{"projection":"{{shadowed}}","generation":"{{generation}}","state":"building"}"""
                        : $"Shadow rebuild of {shadowed}: generation {generation} builds beside the live one; readers of its view are switched once it has caught up.";
                }).ConfigureAwait(false);
            case ["switch-back", var projection, var generation]:
                return await RunVersionCommandAsync(services, "switch-back", output, async operations =>
                {
                    await operations.SwitchBackAsync(projection, generation, cancellationToken).ConfigureAwait(false);
                    return $"Switching {projection} back to {generation}: it catches up from where it stopped, then readers are switched.";
                }).ConfigureAwait(false);
            case ["retire", var projection, var generation]:
                return await RunVersionCommandAsync(services, "retire", output, async operations =>
                {
                    await operations.RetireAsync(projection, generation, cancellationToken).ConfigureAwait(false);
                    return $"Retired generation {generation} of {projection}: its table is dropped, its progress rows deleted.";
                }).ConfigureAwait(false);
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
                await output.WriteLineAsync("usage: status [--json] | rebuild <projection> [--shadow] [--json] | switch-back <projection> <generation> | retire <projection> <generation>").ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task<int> RunVersionCommandAsync(IServiceProvider services, string command, TextWriter output, Func<Versions.ProjectionVersionOperations, Task<string>> action)
    {
        try
        {
            await output.WriteLineAsync(await action(services.GetRequiredService<Versions.ProjectionVersionOperations>()).ConfigureAwait(false)).ConfigureAwait(false);
            return 0;
        }
        catch (Exception failure) when (failure is ArgumentException or InvalidOperationException)
        {
            await output.WriteLineAsync(command + ": " + failure.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
