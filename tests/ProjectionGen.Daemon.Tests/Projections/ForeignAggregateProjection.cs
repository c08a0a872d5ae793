namespace ProjectionGen.Tests.Projections;

/// <summary>
/// An aggregate projection as an assembly compiled without ProjectionGen's analyzers could hand to the daemon: its
/// descriptor is written by hand, so nothing at compile time checked its document table. Its batches store nothing
/// and commit.
/// </summary>
public sealed class ForeignAggregateProjection(string name, string? tableName) : IGeneratedProjection
{
    /// <inheritdoc/>
    public ProjectionDescriptor Descriptor { get; } = new(
        name,
        ProjectionKind.Aggregate,
        [typeof(Deposited)],
        typeof(AccountBalance),
        batchSize: 0,
        maxRetries: -1,
        PoisonEventPolicy.DeadLetter,
        tableName);

    /// <inheritdoc/>
    public ValueTask RunBatchAsync(IProjectionBatch batch, CancellationToken cancellationToken) => batch.CommitAsync(cancellationToken);
}
