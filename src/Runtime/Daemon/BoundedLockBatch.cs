using System.Globalization;
using Npgsql;

namespace ProjectionGen.Daemon;

/// <summary>
/// A batch on the lock connection whose waits are bounded: by <see cref="ProjectionDaemonOptions.HeartbeatTimeout"/> as a
/// whole, and, for the ones that take row locks (the epoch bump, the version switch), by a <c>lock_timeout</c> of half a
/// heartbeat (100 ms to 1 s), so that a long rebuild or a stuck commit of one slot never stalls the ownership loop.
/// </summary>
internal static class BoundedLockBatch
{
    /// <summary>The batch timeout in whole seconds (at least 1): the heartbeat timeout, rounded up.</summary>
    public static int TimeoutSeconds(ProjectionDaemonOptions options) => Math.Max(1, (int)Math.Ceiling(options.HeartbeatTimeout.TotalSeconds));

    /// <summary>Half a heartbeat interval, clamped to 100 ms … 1 s.</summary>
    public static TimeSpan RowLockTimeout(ProjectionDaemonOptions options)
    {
        var half = options.HeartbeatInterval / 2;
        return half < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : half > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : half;
    }

    /// <summary>A batch with the timeout whose first command bounds the wait for row locks (<c>SET LOCAL lock_timeout</c>).</summary>
    public static NpgsqlBatch CreateWithRowLockTimeout(NpgsqlConnection connection, ProjectionDaemonOptions options)
    {
        var batch = new NpgsqlBatch(connection) { Timeout = TimeoutSeconds(options) };
        batch.BatchCommands.Add(new NpgsqlBatchCommand(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(int)RowLockTimeout(options).TotalMilliseconds}")));
        return batch;
    }
}
