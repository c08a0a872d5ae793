using System.Text;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Benchmarks.Tests;

/// <summary>
/// Runs the benchmarks' smoke profile in-process so that they cannot rot: every scenario must complete (each checks its
/// projections' results against the workload) and the report files must be written. Speed is never asserted.
/// </summary>
public sealed class SmokeRunTests
{
    [Fact]
    public async Task Smoke_profile_runs_every_scenario_and_writes_the_report()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServerOptions.ConnectionEnvironmentVariable)))
        {
            Assert.Skip("The benchmarks start and restart servers of their own, which they cannot do with the existing server named by "
                + PostgresServerOptions.ConnectionEnvironmentVariable + ".");
        }

        var directory = Path.Combine(Path.GetTempPath(), "projectiongen-bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new StringWriter();
            var output = await BenchmarkSuite.RunAsync(BenchOptions.Parse(["--smoke", "--out", directory]), log);

            var markdown = await File.ReadAllTextAsync(output.Markdown, TestContext.Current.CancellationToken);
            foreach (var section in new[] { "## Targets", "## Catch-up throughput", "## Guard cost", "## Live latency", "## Failover", "## Peak memory during catch-up", "## Dispatch micro-benchmark", "## Event store append throughput",
                "## Rebalance (cluster)", "## Coordination load of an idle cluster", "## Sharded throughput", "## Catch-up behind a pooler",
                "## Tenant databases over three nodes" })
            {
                Assert.Contains(section, markdown, StringComparison.Ordinal);
            }

            Assert.Contains("Marten", markdown, StringComparison.Ordinal);
            Assert.Contains("ProjectionGen multi-stream aggregate", markdown, StringComparison.Ordinal);
            Assert.Contains(markdown, log.ToString(), StringComparison.Ordinal);

            var csv = await File.ReadAllLinesAsync(output.Csv, TestContext.Current.CancellationToken);
            Assert.Equal("scenario,contender,metric,value,unit", csv[0]);
            foreach (var scenario in new[] { "catch-up", "guard", "live", "failover", "memory", "dispatch", "append", "rebalance", "coordination", "shards", "tenants" }
                .Concat(PgBouncerProxy.FindBinary() is null ? [] : ["pooler"]))
            {
                Assert.Contains(csv, line => line.StartsWith(scenario + ",", StringComparison.Ordinal));
            }

            var png = await File.ReadAllBytesAsync(output.Chart, TestContext.Current.CancellationToken);
            Assert.True(png.Length > 1000, $"The chart has only {png.Length} bytes.");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
