namespace ProjectionGen;

/// <summary>
/// The node may no longer commit progress for a projection: its advisory lock is gone or its fencing epoch was
/// superseded. Nothing of the failed batch was committed. The <c>SubscriptionAgent</c> stops on it and the daemon
/// re-contends for the lock; a batch is never retried under the old epoch.
/// </summary>
public class ProjectionProgressException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProjectionProgressException(string projectionName, string nodeName, long epoch, ProjectionProgressFailure reason, string? detail = null, Exception? innerException = null)
        : base(Describe(projectionName, nodeName, epoch, reason, detail), innerException)
    {
        ProjectionName = projectionName;
        NodeName = nodeName;
        Epoch = epoch;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ProjectionProgressException(string message) : base(message)
    {
        ProjectionName = "";
        NodeName = "";
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public ProjectionProgressException(string message, Exception innerException) : base(message, innerException)
    {
        ProjectionName = "";
        NodeName = "";
    }

    /// <summary>Creates the exception with no message.</summary>
    public ProjectionProgressException() : this("The node no longer owns the projection.")
    {
    }

    /// <summary>The projection.</summary>
    public string ProjectionName { get; }

    /// <summary>The node that tried to commit.</summary>
    public string NodeName { get; }

    /// <summary>The epoch the node held.</summary>
    public long Epoch { get; }

    /// <summary>Why the commit was refused.</summary>
    public ProjectionProgressFailure Reason { get; }

    private static string Describe(string projection, string node, long epoch, ProjectionProgressFailure reason, string? detail) =>
        $"Projection '{projection}' on node '{node}' (epoch {epoch}) may not commit: {reason}" + (detail is null ? "." : $": {detail}");
}
