using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// The fenced version switch (docs/versions.md, "The switch"). Who may switch: the node running shard 0 of a versioned
/// projection's building generation, with a live agent. How: one transaction, fenced by that agent's epoch and lock like
/// a commit, which switches only when the generation has caught up with the live one (<c>switch_version</c>). When:
/// retried soon while it is close, else at the next heartbeat.
/// </summary>
internal sealed class GenerationSwitcher
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryWhenClose = TimeSpan.FromMilliseconds(50);

    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly ProjectionVersionTable versions;
    private readonly HistoryTable history;
    private readonly NodeMembership membership;

    public GenerationSwitcher(ProjectionDaemonOptions options, AgentServices services, ProjectionVersionTable versions, HistoryTable history, NodeMembership membership)
    {
        this.options = options;
        this.services = services;
        this.versions = versions;
        this.history = history;
        this.membership = membership;
    }

    private string NodeName => options.NodeName;

    /// <summary>Whether this node may try to switch readers to <paramref name="slot"/>'s generation now; its agent when so.</summary>
    public static bool MaySwitch(ProjectionSlot slot, ClusterView view, DateTimeOffset now, [NotNullWhen(true)] out SubscriptionAgent? agent)
    {
        agent = null;
        if (slot.Shard != 0 || !slot.Setup.Versioned || now < slot.NextSwitchAttempt
            || slot.Agent is not { StopRequested: false, Ownership.LostCause: null } running
            || view.StateOf(slot.Setup.Generation) != GenerationStates.Building)
        {
            return false;
        }

        agent = running;
        return true;
    }

    /// <summary>Tries the switch for each building generation this node may switch; <see langword="true"/> when one switched (replan).</summary>
    public async Task<bool> TrySwitchAsync(LockConnection lockConnection, IReadOnlyList<ProjectionSlot> slots, ClusterView view, CancellationToken stop)
    {
        var now = services.Time.GetUtcNow();
        var switched = false;
        foreach (var slot in slots)
        {
            if (MaySwitch(slot, view, now, out var agent))
            {
                switched |= await TrySwitchAsync(lockConnection, slot, agent, stop).ConfigureAwait(false);
            }
        }

        return switched;
    }

    private async Task<bool> TrySwitchAsync(LockConnection lockConnection, ProjectionSlot slot, SubscriptionAgent agent, CancellationToken stop)
    {
        var generation = slot.Setup.Generation;
        string? declined;
        try
        {
            await using var batch = BoundedLockBatch.CreateWithRowLockTimeout(lockConnection.Connection, options);
            batch.BatchCommands.Add(BatchCommands.Create(
                versions.SwitchSql,
                new NpgsqlParameter<string> { TypedValue = generation.Projection },
                new NpgsqlParameter<string> { TypedValue = generation.Label },
                new NpgsqlParameter<string> { TypedValue = slot.Name },
                new NpgsqlParameter<long> { TypedValue = agent.Ownership.Epoch },
                new NpgsqlParameter<int> { TypedValue = agent.Ownership.LockHolder.BackendPid },
                new NpgsqlParameter<DateTime> { TypedValue = agent.Ownership.LockHolder.BackendStart, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<long> { TypedValue = agent.Ownership.LockKey.Value }));
            batch.BatchCommands.Add(history.CreateVersionCommand(
                HistoryKinds.Switched, generation.Projection, generation.Label, NodeName, agent.Ownership.Epoch, "readers switched to generation " + generation.Label, onlyIfSwitchedNow: true));
            await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
            await reader.ReadAsync(stop).ConfigureAwait(false);
            declined = reader.IsDBNull(0) ? null : reader.GetString(0);
        }
        catch (PostgresException refused) when (refused.SqlState is ProjectionGuard.LockLostSqlState or ProjectionGuard.EpochSupersededSqlState or PostgresErrorCodes.LockNotAvailable)
        {
            // Fenced (the heartbeat stops the deposed agent) or busy: the next heartbeat tries again.
            slot.NextSwitchAttempt = services.Time.GetUtcNow() + options.HeartbeatInterval;
            return false;
        }
        catch (PostgresException failed) when (!failed.SqlState.StartsWith("08", StringComparison.Ordinal) && !failed.SqlState.StartsWith("57", StringComparison.Ordinal))
        {
            // The server refused the switch itself (the view cannot be replaced, a privilege is missing): the session is
            // fine, so this is no lock loss; the build goes on and the switch is tried again later.
            DaemonLog.VersionSwitchFailed(services.Logger, generation.Projection, generation.Label, NodeName, failed.SqlState, failed.MessageText);
            slot.NextSwitchAttempt = services.Time.GetUtcNow() + RetryAfterFailure;
            return false;
        }

        if (declined is null)
        {
            DaemonLog.VersionSwitched(services.Logger, generation.Projection, generation.Label, NodeName, agent.Ownership.Epoch);
            services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.VersionSwitched, generation.Key, NodeName, agent.Ownership.Epoch, services.Time.GetUtcNow(), "readers switched to generation " + generation.Label, agent.Position, agent.Position));
            await membership.NotifyAsync(lockConnection, "switch:" + generation.Key, stop).ConfigureAwait(false);
            slot.NextSwitchAttempt = services.Time.GetUtcNow() + options.HeartbeatInterval;
            return true;
        }

        // Close behind (the live generation keeps committing): try again shortly; far behind: at the next heartbeat.
        var close = declined.StartsWith("behind by ", StringComparison.Ordinal)
            && long.TryParse(declined.AsSpan("behind by ".Length), CultureInfo.InvariantCulture, out var gap)
            && gap <= slot.Setup.BatchSize * 4L;
        slot.NextSwitchAttempt = services.Time.GetUtcNow() + (close ? RetryWhenClose : options.HeartbeatInterval);
        return false;
    }
}
