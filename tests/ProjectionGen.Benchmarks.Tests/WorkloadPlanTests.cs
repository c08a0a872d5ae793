using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Workload;
using Xunit;

namespace ProjectionGen.Benchmarks.Tests;

public sealed class WorkloadPlanTests
{
    [Theory]
    [InlineData(2_000, 100, 5)]
    [InlineData(1_003, 10, 7)]
    [InlineData(5, 10, 1)]
    public void Appends_cover_every_event_in_stream_order_and_match_the_expected_balance(int events, int streams, int perAppend)
    {
        var plan = new WorkloadPlan(events, streams, perAppend);
        var balances = new Dictionary<int, long>();
        var counts = new Dictionary<int, int>();
        foreach (var (stream, batch) in plan.Appends())
        {
            Assert.InRange(batch.Length, 1, perAppend);
            foreach (var e in batch)
            {
                var first = !counts.ContainsKey(stream);
                switch (e)
                {
                    case FundsDeposited d:
                        Assert.Equal(WorkloadPlan.StreamKey(stream), d.Account);
                        balances[stream] = balances.GetValueOrDefault(stream) + d.Amount;
                        break;
                    case FundsWithdrawn w:
                        Assert.False(first, "A stream must start with a deposit (the aggregate is created by it).");
                        balances[stream] = balances.GetValueOrDefault(stream) - w.Amount;
                        break;
                }

                counts[stream] = counts.GetValueOrDefault(stream) + 1;
            }
        }

        Assert.Equal(events, counts.Values.Sum());
        Assert.Equal(plan.Streams, counts.Count);
        Assert.Equal(plan.ExpectedBalance, balances.Values.Sum());
    }

    [Fact]
    public void Consecutive_appends_belong_to_different_streams()
    {
        var streams = new WorkloadPlan(2_000, 100, 5).Appends().Take(100).Select(a => a.Stream).ToList();
        Assert.Equal(100, streams.Distinct().Count());
    }

    [Fact]
    public void Stream_guids_are_distinct_and_stable()
    {
        var guids = Enumerable.Range(0, 10_000).Select(WorkloadPlan.StreamGuid).ToHashSet();
        Assert.Equal(10_000, guids.Count);
        Assert.Equal(WorkloadPlan.StreamGuid(7), WorkloadPlan.StreamGuid(7));
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        Assert.Equal(50, Percentiles.Of(values, 50));
        Assert.Equal(99, Percentiles.Of(values, 99));
        Assert.Equal(100, Percentiles.Of(values, 100));
        Assert.True(double.IsNaN(Percentiles.Of([], 50)));
    }
}
