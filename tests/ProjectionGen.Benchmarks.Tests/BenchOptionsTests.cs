using Xunit;

namespace ProjectionGen.Benchmarks.Tests;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Defaults_follow_the_issue()
    {
        var options = BenchOptions.Parse([]);
        Assert.Equal(200_000, options.Events);
        Assert.Equal(10_000, options.Streams);
        Assert.Equal(1_000, options.LiveRate);
        Assert.Equal(10, options.FailoverTrials);
        Assert.Equal(1_000_000, options.MemoryEvents);
        Assert.True(options.BenchmarkDotNet);
        Assert.True(options.Runs("failover"));
    }

    [Fact]
    public void Smoke_is_tiny_and_skips_BenchmarkDotNet_and_flags_override_it()
    {
        var options = BenchOptions.Parse(["--smoke", "--events", "5000", "--trials", "3", "--only", "catchup, live"]);
        Assert.True(options.Smoke);
        Assert.False(options.BenchmarkDotNet);
        Assert.Equal(5_000, options.Events);
        Assert.Equal(100, options.Streams);
        Assert.Equal(3, options.FailoverTrials);
        Assert.True(options.Runs("live"));
        Assert.False(options.Runs("failover"));
    }

    [Fact]
    public void Cluster_scenarios_have_their_own_sizes()
    {
        var options = BenchOptions.Parse(["--only", "rebalance,coordination,shards", "--rebalance-trials", "2", "--coordination-projections", "500", "--shard-events", "800"]);
        Assert.Equal(2, options.RebalanceTrials);
        Assert.Equal(100, options.CoordinationProjections);
        Assert.Equal(800, options.ShardEvents);
        Assert.Equal(50_000, options.PoolerEvents);
        Assert.Equal(2_000, BenchOptions.Parse(["--smoke"]).PoolerEvents);
        Assert.Equal(30_000, BenchOptions.Parse(["--only", "pooler", "--pooler-events", "30000"]).PoolerEvents);
        Assert.True(options.Runs("coordination"));
        Assert.False(options.Runs("catchup"));
        Assert.Equal(10, BenchOptions.Parse(["--smoke"]).CoordinationProjections);
    }

    [Theory]
    [InlineData("--events")]
    [InlineData("--events", "0")]
    [InlineData("--events", "many")]
    [InlineData("--frobnicate")]
    public void Invalid_arguments_are_refused(params string[] args) =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(args));
}
