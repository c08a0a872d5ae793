using ProjectionGen.Locking;

namespace ProjectionGen.Guard;

/// <summary>
/// What one acquisition of a projection's lock gives a node: the fencing epoch it bumped to, the lock holder's
/// identity, and a flag the heartbeat flips when the lock is found gone.
/// </summary>
internal sealed class ProjectionOwnership : IDisposable
{
    private readonly CancellationTokenSource lostSource = new();
    private volatile string? lostCause;

    public ProjectionOwnership(string projectionName, string nodeName, long epoch, long startPosition, AdvisoryLockKey lockKey, LockConnectionIdentity lockHolder)
    {
        ProjectionName = projectionName;
        NodeName = nodeName;
        Epoch = epoch;
        StartPosition = startPosition;
        LockKey = lockKey;
        LockHolder = lockHolder;
    }

    public string ProjectionName { get; }

    public string NodeName { get; }

    /// <summary>The fencing epoch: every commit of this ownership is conditional on it.</summary>
    public long Epoch { get; }

    /// <summary>The progress position read in the same statement that bumped the epoch.</summary>
    public long StartPosition { get; }

    public AdvisoryLockKey LockKey { get; }

    public LockConnectionIdentity LockHolder { get; }

    /// <summary>Why the ownership was lost, or <see langword="null"/> while it is believed held.</summary>
    public string? LostCause => lostCause;

    /// <summary>Cancelled when the ownership is lost, so waits and reads stop at once.</summary>
    public CancellationToken LostToken => lostSource.Token;

    /// <summary>Records the loss and cancels <see cref="LostToken"/>; <see langword="true"/> for the first cause only.</summary>
    public bool MarkLost(string cause)
    {
        if (Interlocked.CompareExchange(ref lostCause, cause, null) is not null)
        {
            return false;
        }

        try
        {
            lostSource.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The agent already finished with this ownership.
        }

        return true;
    }

    public void Dispose() => lostSource.Dispose();
}
