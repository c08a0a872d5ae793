using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;

namespace ProjectionGen.Daemon;

/// <summary>What every agent of a daemon shares, the internal levers and hooks of tests and benchmarks (<see cref="DaemonTestHooks"/>) included.</summary>
internal sealed record AgentServices(
    PostgresEventStore Store,
    NpgsqlDataSource BatchConnections,
    ProjectionGuard Guard,
    ProjectionDaemonOptions Options,
    DaemonTestHooks Hooks,
    string DeadLetterSql,
    ILogger Logger,
    TimeProvider Time,
    Action<ProjectionLifecycleEventArgs> Raise,
    SharedSafeMark Marks)
{
    /// <summary>Records a lock loss once per ownership: the first cause wins, is logged and is raised.</summary>
    public void ReportLockLost(ProjectionOwnership ownership, string cause)
    {
        if (ownership.MarkLost(cause))
        {
            DaemonLog.LockLost(Logger, ownership.ProjectionName, ownership.NodeName, ownership.Epoch, cause);
            Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.LockLost, ownership.ProjectionName, ownership.NodeName, ownership.Epoch, Time.GetUtcNow(), cause));
        }
    }
}
