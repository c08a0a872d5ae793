namespace ProjectionGen.Tests.Projections;

/// <summary>A generated projection under another name (its own lock, epoch and progress row): many projections from one class.</summary>
internal sealed class RenamedProjection(IGeneratedProjection inner, string name) : IGeneratedProjection
{
    public ProjectionDescriptor Descriptor { get; } = new(
        name,
        inner.Descriptor.Kind,
        inner.Descriptor.EventTypes,
        inner.Descriptor.DocumentType,
        inner.Descriptor.BatchSize,
        inner.Descriptor.MaxRetries,
        inner.Descriptor.OnPoisonEvent,
        inner.Descriptor.TableName);

    public ValueTask RunBatchAsync(IProjectionBatch batch, CancellationToken cancellationToken) => inner.RunBatchAsync(batch, cancellationToken);
}
