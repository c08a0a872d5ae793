using ProjectionGen.Daemon;

namespace ProjectionGen.Tests;

/// <summary>The test bed's daemons with the runtime's internal hooks (kept apart: other test projects link the test bed without the runtime's internals).</summary>
internal sealed partial class DaemonTestBed
{
    /// <summary>A daemon node as <see cref="CreateDaemon(string, IEnumerable{IGeneratedProjection}, Action{ProjectionDaemonOptions}?)"/>, with internal hooks.</summary>
    public ProjectionDaemon CreateDaemon(string node, IEnumerable<IGeneratedProjection> projections, DaemonTestHooks hooks, Action<ProjectionDaemonOptions>? configure = null) =>
        Track(new ProjectionDaemon(NodeStore(), projections, NodeOptions(node, configure), hooks, loggerFactory));
}
