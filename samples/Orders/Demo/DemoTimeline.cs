using System.Collections.Concurrent;
using System.Diagnostics;
using ProjectionGen.Daemon;

namespace Orders.Demo;

/// <summary>What happened during the demo: lifecycle events of every node and the faults injected, on one clock.</summary>
internal sealed class DemoTimeline
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<(TimeSpan At, ProjectionLifecycleEventArgs Event)> events = new();
    private readonly ConcurrentQueue<(TimeSpan At, string Fault)> faults = new();

    public TimeSpan Elapsed => clock.Elapsed;

    public void Record(ProjectionLifecycleEventArgs e)
    {
        var at = clock.Elapsed;
        events.Enqueue((at, e));
        switch (e.Kind)
        {
            case ProjectionLifecycleKind.LockAcquired:
                Say(at, $"{e.Node} acquired {e.Projection} at epoch {e.Epoch} (resuming after position {e.FromPosition})");
                break;
            case ProjectionLifecycleKind.LockLost:
                Say(at, $"{e.Node} LOST {e.Projection} at epoch {e.Epoch}: {e.Cause}");
                break;
            case ProjectionLifecycleKind.AgentStopped when e.Cause is { } cause && !cause.StartsWith("stopped by request", StringComparison.Ordinal):
                Say(at, $"{e.Node} stopped its {e.Projection} agent (epoch {e.Epoch}): {Shorten(cause)}");
                break;
        }
    }

    public void Fault(string description)
    {
        faults.Enqueue((clock.Elapsed, description));
        Say(clock.Elapsed, $">>> {description}");
    }

    public void Say(string line) => Say(clock.Elapsed, line);

    public IReadOnlyList<(TimeSpan At, ProjectionLifecycleEventArgs Event)> Events => [.. events];

    public IReadOnlyList<(TimeSpan At, string Fault)> Faults => [.. faults];

    private static void Say(TimeSpan at, string line) => Console.WriteLine($"[{at.TotalSeconds,6:F1}s] {line}");

    private static string Shorten(string text) => text.Length > 110 ? text[..110] + "..." : text;
}
