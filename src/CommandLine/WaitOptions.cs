using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ProjectionGen.Operations;

namespace ProjectionGen.CommandLine;

/// <summary>
/// <c>--no-wait</c> and <c>--timeout</c> of the commands that start a catch-up (rebuild, switch-back), and the wait
/// itself: the catch-up's progress (position, head, events/s, time left) rewritten in place on a terminal, as a plain
/// line every few seconds when the output is redirected, and as one JSON object per sample with <c>--json</c>, ending
/// in the caught-up position.
/// </summary>
internal sealed class WaitOptions
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(5);

    private WaitOptions(Option<bool> noWait, Option<string?> timeout)
    {
        NoWait = noWait;
        Timeout = timeout;
    }

    public Option<bool> NoWait { get; }

    public Option<string?> Timeout { get; }

    public static WaitOptions Create() => new(
        new Option<bool>("--no-wait") { Description = "return once started instead of waiting for the catch-up" },
        new Option<string?>("--timeout") { Description = "give up waiting after this long (90s, 30m, 2h), exit 1; the catch-up itself goes on" });

    /// <summary>Waits for an in-place rebuild at <paramref name="epoch"/> to reach the head.</summary>
    public Task<int> RebuildAsync(CommandContext context, string projection, long epoch) =>
        WaitAsync(context, (watcher, ct) => watcher.WatchRebuildAsync(projection, epoch, SampleInterval, ct));

    /// <summary>Waits for <paramref name="generation"/> of <paramref name="projection"/> to catch up and have readers switched to it.</summary>
    public Task<int> GenerationAsync(CommandContext context, string projection, string generation) =>
        WaitAsync(context, (watcher, ct) => watcher.WatchGenerationAsync(projection, generation, SampleInterval, ct));

    private async Task<int> WaitAsync(CommandContext context, Func<ProjectionCatchUpWatcher, CancellationToken, IAsyncEnumerable<CatchUpProgress>> watch)
    {
        if (context.ParseResult.GetValue(NoWait))
        {
            return ProjectionGenExitCodes.Ok;
        }

        var limit = context.ParseResult.GetValue(Timeout) is { } text ? Durations.Parse(text, "--timeout") : (TimeSpan?)null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        if (limit is { } after)
        {
            timeout.CancelAfter(after);
        }

        var interactive = !context.Json && ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected;
        var lastPlainLine = DateTimeOffset.MinValue;
        CatchUpProgress? last = null;
        try
        {
            await foreach (var progress in watch(new ProjectionCatchUpWatcher(context.Target.Store), timeout.Token).ConfigureAwait(false))
            {
                last = progress;
                if (context.Json)
                {
                    await context.WriteRawAsync(ToJson(progress).ToJsonString()).ConfigureAwait(false);
                }
                else if (interactive)
                {
                    await context.Output.WriteAsync("\r" + Describe(progress).PadRight(100)).ConfigureAwait(false);
                    await context.Output.FlushAsync(context.CancellationToken).ConfigureAwait(false);
                }
                else if (progress.CaughtUp || DateTimeOffset.UtcNow - lastPlainLine >= PlainLineInterval)
                {
                    lastPlainLine = DateTimeOffset.UtcNow;
                    await context.WriteRawAsync(Describe(progress)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            if (interactive)
            {
                await context.Output.WriteLineAsync().ConfigureAwait(false);
            }

            throw new CommandFailedException($"not caught up within {context.ParseResult.GetValue(Timeout)}"
                + (last is null ? "" : $" (at {Invariant(last.Position)} of {Invariant(last.Target)})") + "; the catch-up goes on (see status)");
        }

        if (interactive)
        {
            await context.Output.WriteLineAsync().ConfigureAwait(false);
        }

        return last is { CaughtUp: true } ? ProjectionGenExitCodes.Ok : throw new CommandFailedException(
            "the catch-up stopped before it reached the head" + (last is null ? "" : $": {last.State} at {Invariant(last.Position)} of {Invariant(last.Target)}" + (last.Detail is null ? "" : $", {last.Detail}")) + " (see status)");
    }

    private static string Describe(CatchUpProgress progress) => progress.CaughtUp
        ? $"Caught up at position {Invariant(progress.Position)}."
        : $"{progress.State}: position {Invariant(progress.Position)} of {Invariant(progress.Target)} (head {Invariant(progress.Head)})"
          + (progress.EventsPerSecond is { } rate ? $", {rate.ToString("N0", CultureInfo.InvariantCulture)} events/s" : "")
          + (progress.EstimatedRemaining is { } left ? $", about {FormatDuration(left)} left" : "");

    private static JsonObject ToJson(CatchUpProgress progress) => new()
    {
        ["event"] = progress.CaughtUp ? "caughtUp" : "progress",
        ["state"] = progress.State,
        ["position"] = progress.Position,
        ["head"] = progress.Head,
        ["target"] = progress.Target,
        ["eventsPerSecond"] = progress.EventsPerSecond,
        ["estimatedSecondsLeft"] = progress.EstimatedRemaining?.TotalSeconds,
        ["caughtUp"] = progress.CaughtUp,
    };

    private static string FormatDuration(TimeSpan span) => span.TotalHours >= 1
        ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
