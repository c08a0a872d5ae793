using System.Collections.Concurrent;
using ProjectionGen.Alerts;

namespace ProjectionGen.Tests;

/// <summary>An alert sink that remembers every alert, as a pager integration would receive them.</summary>
internal sealed class RecordingAlertSink : IProjectionAlertSink
{
    public ConcurrentQueue<ProjectionAlert> Alerts { get; } = new();

    public ValueTask OnAlertAsync(ProjectionAlert alert, CancellationToken cancellationToken)
    {
        Alerts.Enqueue(alert);
        return ValueTask.CompletedTask;
    }
}
