namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// How long the slots took to be balanced again after a membership change: <paramref name="Phase"/> says which
/// (for example "others took over" after a kill, "rejoined" after the restart); null when not within twice the bound.
/// </summary>
internal sealed record RebalanceTime(FaultKind Kind, string Node, string Phase, TimeSpan? Elapsed, TimeSpan Bound)
{
    public bool WithinBound => Elapsed is { } elapsed && elapsed <= Bound;
}
