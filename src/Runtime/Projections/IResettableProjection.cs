namespace ProjectionGen;

/// <summary>
/// Lets an event projection be rebuilt: add this interface to the <c>[Projection]</c> class and queue, in
/// <see cref="Reset"/>, the statements that empty its read model (for example <c>DELETE FROM order_ledger</c>).
/// </summary>
/// <remarks>
/// A rebuild runs the queued statements in the same transaction that bumps the projection's epoch and sets its position
/// to 0, so the read model and the position can never disagree. Aggregate projections need no reset (their document
/// table is emptied by the runtime); one that implements this interface gets both. Neither does an event projection that
/// declares its tables (<see cref="ProjectionAttribute.Tables"/>): the rebuild truncates its generation's copies of them
/// (docs/versions.md); name them here through <see cref="IProjectionWriter.Table"/>, never by their declared names, which
/// are views that may lead to another generation.
/// </remarks>
public interface IResettableProjection
{
    /// <summary>Queues the statements that empty the projection's read model.</summary>
    void Reset(IProjectionWriter writer);
}
