namespace ProjectionGen.Benchmarks;

/// <summary>One measured configuration: how many events per append, how many concurrent writers, how many appends each.</summary>
internal sealed record AppendScenario(int EventsPerAppend, int Writers, int AppendsPerWriter)
{
    public string Name => $"{EventsPerAppend}-event appends, {Writers} writer{(Writers == 1 ? "" : "s")}";
}
