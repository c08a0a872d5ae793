using System.Text.Json;

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

    /// <summary>
    /// How large a batch may grow while a projection catches up: each batch that comes back full, below the safe mark,
    /// doubles the next one, up to this; a batch that reaches the mark (the projection tails live appends) or fails
    /// starts over at the batch size. Only for projections that do not set their own <c>BatchSize</c>; set it to
    /// <see cref="DefaultBatchSize"/> or lower for fixed batches. Default 2000.
    /// </summary>
    public int CatchUpBatchSize { get; set; } = 2000;

    /// <summary>Retries of an event whose handler throws, for projections that do not set their own. Default 3.</summary>
    public int DefaultMaxRetries { get; set; } = 3;

    /// <summary>The first delay after a transient failure; it doubles up to <see cref="MaxRetryDelay"/>. Default 100 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between retries and reconnections. Default 2 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The most slots (projections or shards) this node takes; <see langword="null"/> (default) for no limit, 0 for a node that only observes.</summary>
    public int? Capacity { get; set; }

    /// <summary>Labels of this node, for <see cref="Pins"/> (<c>tag:NAME</c>) and for status. Default none.</summary>
    public IList<string> Tags { get; } = new List<string>();

    /// <summary>
    /// Pins projections to nodes: projection name → node names or <c>tag:NAME</c> entries. A pinned projection runs only
    /// on matching nodes (every shard of it). Configure the same pins on every node. Default none.
    /// </summary>
    public IDictionary<string, string[]> Pins { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal);

    /// <summary>
    /// How long a node may go without a heartbeat before it is treated as hung: the server ends its lock session
    /// (<c>idle_session_timeout</c>), live nodes end it too (<c>pg_terminate_backend</c>), and its slots go to live nodes.
    /// Longer than <see cref="HeartbeatTimeout"/>. Default 8 s.
    /// </summary>
    public TimeSpan EvictionTimeout { get; set; } = Cluster.NodeRegistry.DefaultEvictionTimeout;

    /// <summary>
    /// A slot that nobody has owned for this long may be taken by any node that runs it, whatever placement prefers,
    /// so that no slot stays unowned because of placement. Default 3 s.
    /// </summary>
    public TimeSpan PlacementFallback { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Serializer options for aggregate documents, used as given when set. Default: web defaults (camelCase) with
    /// reflection-based contracts, or, where reflection-based serialization is disabled (trimmed or AOT applications), the
    /// projections' generated contracts (<see cref="IJsonContractSource"/>; docs/generator.md, JSON contracts).
    /// </summary>
    public JsonSerializerOptions? DocumentSerializerOptions { get; set; }

    /// <summary>Whether the pins let this node run <paramref name="projection"/>.</summary>
    internal bool PinsAllow(string projection) =>
        !Pins.TryGetValue(projection, out var targets)
        || targets.Any(t => t.StartsWith("tag:", StringComparison.Ordinal)
            ? Tags.Contains(t["tag:".Length..], StringComparer.Ordinal)
            : string.Equals(t, NodeName, StringComparison.Ordinal));

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

        CheckReachesThePrimary(errors, ConnectionString, nameof(ConnectionString));
        CheckReachesThePrimary(errors, LockConnectionString, nameof(LockConnectionString));
        CheckPositive(errors, HeartbeatInterval, nameof(HeartbeatInterval));
        CheckPositive(errors, HeartbeatTimeout, nameof(HeartbeatTimeout));
        CheckPositive(errors, AcquireInterval, nameof(AcquireInterval));
        CheckPositive(errors, PollInterval, nameof(PollInterval));
        CheckPositive(errors, PlacementFallback, nameof(PlacementFallback));
        if (EvictionTimeout <= HeartbeatTimeout || EvictionTimeout < HeartbeatInterval * 3)
        {
            errors.Add($"EvictionTimeout ({EvictionTimeout}) must be longer than HeartbeatTimeout ({HeartbeatTimeout}) and at least three HeartbeatIntervals ({HeartbeatInterval}).");
        }

        if (Capacity is < 0)
        {
            errors.Add($"Capacity must not be negative (was {Capacity}).");
        }

        foreach (var tag in Tags)
        {
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > 48 || tag.Any(char.IsControl))
            {
                errors.Add("Tags must be 1 to 48 printable characters each.");
                break;
            }
        }

        foreach (var (projection, targets) in Pins)
        {
            if (targets is null || targets.Length == 0 || targets.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"Pins['{projection}'] must name at least one node or tag:NAME.");
            }
        }
        CheckPositive(errors, RetryDelay, nameof(RetryDelay));
        if (MaxRetryDelay < RetryDelay)
        {
            errors.Add("MaxRetryDelay must not be shorter than RetryDelay.");
        }

        if (DefaultBatchSize is < 1 or > 100_000)
        {
            errors.Add($"DefaultBatchSize must be between 1 and 100000 (was {DefaultBatchSize}).");
        }

        if (CatchUpBatchSize is < 1 or > 100_000)
        {
            errors.Add($"CatchUpBatchSize must be between 1 and 100000 (was {CatchUpBatchSize}).");
        }

        if (DefaultMaxRetries is < 0 or > 100)
        {
            errors.Add($"DefaultMaxRetries must be between 0 and 100 (was {DefaultMaxRetries}).");
        }

        return errors;
    }

    /// <summary>
    /// A connection string that names several hosts must make every connection reach the primary: a batch's events may
    /// be read on one pooled connection and committed on another (docs/daemon.md, "Reading ahead"), and a read from a
    /// lagging standby followed by a commit on the primary would skip the events the standby had not replayed yet.
    /// </summary>
    private static void CheckReachesThePrimary(List<string> errors, string? connectionString, string name)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        Npgsql.NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // Reported as an invalid connection string (without quoting it) where the options are validated.
            return;
        }

        var target = builder.TargetSessionAttributes;
        if (builder.Host is { } host && host.Contains(',', StringComparison.Ordinal)
            && !string.Equals(target, "primary", StringComparison.OrdinalIgnoreCase) && !string.Equals(target, "read-write", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{name} names several hosts: set Target Session Attributes=primary (or read-write) so that every connection of the daemon reaches the primary.");
        }
    }

    private static void CheckPositive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }
}
