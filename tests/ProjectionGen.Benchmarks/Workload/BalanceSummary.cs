namespace ProjectionGen.Benchmarks.Workload;

/// <summary>The summary document per stream kept by the aggregate projection (ProjectionGen's and Marten's alike).</summary>
public sealed class BalanceSummary
{
    /// <summary>Marten's identity; ProjectionGen keys documents by stream id and leaves it empty.</summary>
    public Guid Id { get; set; }

    /// <summary>Deposits minus withdrawals.</summary>
    public long Balance { get; set; }

    /// <summary>How many events were applied.</summary>
    public int Events { get; set; }
}
