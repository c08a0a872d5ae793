using Microsoft.Extensions.DependencyInjection;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Three nodes of one cluster on a fresh database: the dashboard application (which runs a node itself) and two
/// hosted nodes, with unique names (lock connections are terminated by name across the shared server).
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    private Cluster(DaemonTestBed bed, DashboardApp dashboard, HostedNode[] others)
    {
        Bed = bed;
        Dashboard = dashboard;
        Others = others;
    }

    public DaemonTestBed Bed { get; }

    public DashboardApp Dashboard { get; }

    public HostedNode[] Others { get; }

    public IReadOnlyList<string> NodeNames => [Dashboard.Node, .. Others.Select(o => o.Node)];

    public ProjectionStatusReader Status => Dashboard.Services.GetRequiredService<ProjectionStatusReader>();

    public static async Task<Cluster> StartAsync(string connectionString, bool actions, int nodes = 3, bool tenantBoard = false)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var bed = await DaemonTestBed.CreateAsync(connectionString);
        DashboardApp? dashboard = null;
        var others = new List<HostedNode>();
        try
        {
            dashboard = await DashboardApp.StartAsync(connectionString, $"node-1-{suffix}", actions, tenantBoard);
            for (var i = 2; i <= nodes; i++)
            {
                var node = HostedNode.Create(connectionString, $"node-{i}-{suffix}", options =>
                {
                    options.Daemon.RetryDelay = TimeSpan.FromSeconds(1);
                    options.Daemon.MaxRetryDelay = TimeSpan.FromSeconds(1);
                });
                others.Add(node);
                await node.StartAsync();
            }

            return new Cluster(bed, dashboard, [.. others]);
        }
        catch
        {
            foreach (var node in others)
            {
                await node.DisposeAsync();
            }

            if (dashboard is not null)
            {
                await dashboard.DisposeAsync();
            }

            await bed.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Others)
        {
            await node.DisposeAsync();
        }

        await Dashboard.DisposeAsync();
        await Bed.DisposeAsync();
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }
    }

    /// <summary>Waits until every projection is owned and caught up.</summary>
    public Task<IReadOnlyList<ProjectionStatus>> WaitForCatchUpAsync(IReadOnlyDictionary<string, long>? minimumEpochs = null) =>
        ReadModels.WaitForCatchUpAsync(Status, minimumEpochs);
}
