using System.Collections.Concurrent;

namespace ProjectionGen.Tests;

/// <summary>Wraps a generated projection and records every batch handed to it (epoch, from, to, events) before running it.</summary>
internal sealed class RecordingProjection(IGeneratedProjection inner) : IGeneratedProjection
{
    /// <summary>Every batch handed to the projection, in order.</summary>
    public ConcurrentQueue<(long Epoch, long From, long To, int Events)> Batches { get; } = new();

    public ProjectionDescriptor Descriptor => inner.Descriptor;

    public ValueTask RunBatchAsync(IProjectionBatch batch, CancellationToken cancellationToken)
    {
        Batches.Enqueue((batch.Epoch, batch.FromPosition, batch.ToPosition, batch.Events.Count));
        return inner.RunBatchAsync(batch, cancellationToken);
    }
}
