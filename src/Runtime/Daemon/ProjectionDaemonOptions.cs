using System.Text.Json;
using ProjectionGen.Guard;

namespace ProjectionGen.Daemon;

/// <summary>Settings of a <see cref="ProjectionDaemon"/> node.</summary>
public sealed class ProjectionDaemonOptions
{
    /// <summary>The connection string for batch connections (pooled). Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// A separate connection string for the node's lock connection, when batches go through a pooler: the lock
    /// connection must reach the primary directly. Defaults to <see cref="ConnectionString"/>.
    /// </summary>
    public string? LockConnectionString { get; set; }

    /// <summary>This node's name: recorded as the owner in the progress row and in the lock connection's <c>application_name</c>.</summary>
    public string NodeName { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>How often the lock connection verifies that every held lock is still granted. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a heartbeat may take before the lock connection is declared lost. Default 5 s.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a node tries to take the locks it does not hold (jittered by ±25 %). Default 1 s.</summary>
    public TimeSpan AcquireInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an idle agent looks for new events when no notification woke it. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most events per batch for projections that do not set their own. Default 500.</summary>
    public int DefaultBatchSize { get; set; } = 500;

    /// <summary>Retries of an event whose handler throws, for projections that do not set their own. Default 3.</summary>
    public int DefaultMaxRetries { get; set; } = 3;

    /// <summary>The first delay after a transient failure; it doubles up to <see cref="MaxRetryDelay"/>. Default 100 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between retries and reconnections. Default 2 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Serializer options for aggregate documents; plug a <c>JsonSerializerContext</c> in through their resolver to
    /// avoid reflection. Default: web defaults (camelCase) with reflection-based contracts.
    /// </summary>
    public JsonSerializerOptions? DocumentSerializerOptions { get; set; }

    /// <summary>Test hook: runs after the in-memory guard and before the commit is sent.</summary>
    internal Func<IProjectionBatch, Task>? BeforeCommit { get; set; }

    /// <summary>How much of the guard commits carry: always <see cref="CommitFencing.Full"/> outside the guard-cost benchmark and the fault suite's checker test.</summary>
    internal CommitFencing Fencing { get; set; } = CommitFencing.Full;

    /// <summary>
    /// Fault-suite hook: an INSERT run in every batch's transaction right after the fenced update, with parameters
    /// $1 projection, $2 epoch, $3 node, $4 from, $5 to — the audit trail the fault suite's checker reads.
    /// </summary>
    internal string? AuditSql { get; set; }

    /// <summary>The delay before retry <paramref name="attempt"/> (1-based): <see cref="RetryDelay"/> doubled per attempt, capped at <see cref="MaxRetryDelay"/>.</summary>
    internal TimeSpan RetryDelayFor(int attempt)
    {
        var delay = RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        return delay > MaxRetryDelay ? MaxRetryDelay : delay;
    }

    /// <summary>The problems with these settings, one clear message each; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add("ConnectionString is required.");
        }

        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Length > 48 || NodeName.Any(char.IsControl))
        {
            errors.Add("NodeName must be 1 to 48 printable characters.");
        }

        CheckPositive(errors, HeartbeatInterval, nameof(HeartbeatInterval));
        CheckPositive(errors, HeartbeatTimeout, nameof(HeartbeatTimeout));
        CheckPositive(errors, AcquireInterval, nameof(AcquireInterval));
        CheckPositive(errors, PollInterval, nameof(PollInterval));
        CheckPositive(errors, RetryDelay, nameof(RetryDelay));
        if (MaxRetryDelay < RetryDelay)
        {
            errors.Add("MaxRetryDelay must not be shorter than RetryDelay.");
        }

        if (DefaultBatchSize is < 1 or > 100_000)
        {
            errors.Add($"DefaultBatchSize must be between 1 and 100000 (was {DefaultBatchSize}).");
        }

        if (DefaultMaxRetries is < 0 or > 100)
        {
            errors.Add($"DefaultMaxRetries must be between 0 and 100 (was {DefaultMaxRetries}).");
        }

        return errors;
    }

    private static void CheckPositive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }
}
