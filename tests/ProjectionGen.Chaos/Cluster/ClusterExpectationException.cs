namespace ProjectionGen.Chaos.Cluster;

/// <summary>A cluster did not reach, or did not keep, an expected ownership within its bound.</summary>
internal sealed class ClusterExpectationException : Exception
{
    public ClusterExpectationException()
    {
    }

    public ClusterExpectationException(string message)
        : base(message)
    {
    }

    public ClusterExpectationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
