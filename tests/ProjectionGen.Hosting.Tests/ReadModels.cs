using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Waits on the status a node reports, for the projections every hosted node runs.</summary>
internal static class ReadModels
{
    public static readonly string[] Names = ["account_balance", "fragile", "ledger"];

    /// <summary>Waits until every projection is owned, running and at the high-water mark (each at or above its minimum epoch).</summary>
    public static async Task<IReadOnlyList<ProjectionStatus>> WaitForCatchUpAsync(ProjectionStatusReader reader, IReadOnlyDictionary<string, long>? minimumEpochs = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<ProjectionStatus> statuses = [];
        while (DateTime.UtcNow < deadline)
        {
            statuses = await reader.ReadAsync(TestContext.Current.CancellationToken);
            if (Names.All(name => statuses.Any(s => s.Projection == name && s.OwnerAlive && s.State == "running" && s.Position >= s.HighWaterMark && s.HighWaterMark > 0
                && s.Epoch >= (minimumEpochs?.GetValueOrDefault(name) ?? 1))))
            {
                return statuses;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail("Projections did not catch up: " + ProjectionStatusFormatter.ToTable(statuses));
        return statuses;
    }
}
