using Npgsql;
using NpgsqlTypes;
using ProjectionGen.Progress;

namespace ProjectionGen.Guard;

/// <summary>
/// The guard that stands before every batch commit. It checks twice, cheaply:
/// <list type="number">
/// <item><description>In memory, before the commit is sent: has the heartbeat seen the lock go? (No round trip.)</description></item>
/// <item><description>On the server, inside the commit's own transaction and round trip: the fenced progress update
/// (<c>epoch = @myEpoch AND position = @from</c>) and the lock check in <c>pg_locks</c> by the holder's pid and backend
/// start time. Either failing raises an error that rolls back the whole batch.</description></item>
/// </list>
/// The epoch makes the commit safe even when the process pauses between the two checks (docs/daemon.md, "Why it is safe"); the
/// lock check makes lock loss visible at the first commit after it.
/// </summary>
internal sealed class ProjectionGuard
{
    /// <summary>SQLSTATE raised when the lock holder no longer holds the projection's advisory lock.</summary>
    public const string LockLostSqlState = "PG001";

    /// <summary>SQLSTATE raised when the progress row carries a newer epoch.</summary>
    public const string EpochSupersededSqlState = "PG002";

    /// <summary>SQLSTATE raised when the progress row is not at the batch's start position.</summary>
    public const string PositionMismatchSqlState = "PG003";

    private readonly string commitSql;
    private readonly string unfencedSql;
    private readonly CommitFencing fencing;

    /// <param name="progress">The progress table, owner of the commit statements.</param>
    /// <param name="fencing">How much of the guard commits carry; anything but <see cref="CommitFencing.Full"/> is for tests and benchmarks.</param>
    public ProjectionGuard(Progress.ProgressTable progress, CommitFencing fencing = CommitFencing.Full)
    {
        commitSql = progress.FencedCommitSql;
        unfencedSql = progress.UnfencedCommitSql;
        this.fencing = fencing;
    }

    /// <summary>The in-memory check: throws when the heartbeat has already seen the ownership go.</summary>
    public static void EnsureNotKnownLost(ProjectionOwnership ownership)
    {
        if (ownership.LostCause is { } cause)
        {
            throw new ProjectionProgressException(ownership.ProjectionName, ownership.NodeName, ownership.Epoch, ProjectionProgressFailure.LockLost, cause);
        }
    }

    /// <summary>The fenced progress update with the server-side lock check, to run first in the commit batch.</summary>
    public NpgsqlBatchCommand CreateFencedCommit(ProjectionOwnership ownership, long fromPosition, long toPosition)
    {
        if (fencing == CommitFencing.Unfenced)
        {
            var unfenced = new NpgsqlBatchCommand(unfencedSql);
            unfenced.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.ProjectionName });
            unfenced.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toPosition });
            return unfenced;
        }

        var command = new NpgsqlBatchCommand(commitSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.ProjectionName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ownership.Epoch });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromPosition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ownership.LockHolder.BackendPid });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ownership.LockHolder.BackendStart, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ownership.LockKey.Value });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = fencing == CommitFencing.Full });
        return command;
    }

    /// <summary>Maps the commit function's errors to <see cref="ProjectionProgressException"/>; other errors give <see langword="null"/>.</summary>
    public static ProjectionProgressException? Translate(PostgresException error, ProjectionOwnership ownership)
    {
        var reason = error.SqlState switch
        {
            LockLostSqlState => ProjectionProgressFailure.LockLost,
            EpochSupersededSqlState => ProjectionProgressFailure.EpochSuperseded,
            PositionMismatchSqlState => ProjectionProgressFailure.PositionMismatch,
            _ => (ProjectionProgressFailure?)null,
        };
        return reason is { } r
            ? new ProjectionProgressException(ownership.ProjectionName, ownership.NodeName, ownership.Epoch, r, error.MessageText, error)
            : null;
    }
}
