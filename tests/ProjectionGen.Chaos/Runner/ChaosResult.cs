namespace ProjectionGen.Chaos.Runner;

/// <summary>The outcome of a run: its seed, the violations (none for a pass) and the report written.</summary>
internal sealed record ChaosResult(int Seed, IReadOnlyList<string> Violations, int RejectedStaleCommits, string Report, string ReportFile)
{
    public bool Passed => Violations.Count == 0;
}
