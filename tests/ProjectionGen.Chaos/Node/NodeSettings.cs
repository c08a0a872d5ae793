using System.Globalization;

namespace ProjectionGen.Chaos.Node;

/// <summary>
/// How one node process runs: its name, the projections it hosts, and the cluster options (capacity, tags, pins,
/// eviction timeout). The runner turns these into the node command's arguments; the node turns them into
/// <see cref="Daemon.ProjectionDaemonOptions"/>.
/// </summary>
internal sealed record NodeSettings
{
    /// <summary>The node name (also in its sessions' <c>application_name</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The projections this node hosts (names as <see cref="ProjectionSets.Resolve"/> returns them).</summary>
    public IReadOnlyList<string> Projections { get; init; } = ProjectionSets.Chaos;

    /// <summary>The most slots this node takes; null for no limit.</summary>
    public int? Capacity { get; init; }

    /// <summary>The node's tags, for pins of the form <c>tag:NAME</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Pins: projection name to node names or <c>tag:NAME</c> entries. Give every node the same pins.</summary>
    public IReadOnlyDictionary<string, string[]> Pins { get; init; } = new Dictionary<string, string[]>();

    /// <summary>The eviction timeout; null for the daemon's default.</summary>
    public TimeSpan? EvictionTimeout { get; init; }

    /// <summary>The heartbeat timeout; null for the daemon's default (an eviction timeout must be longer).</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>A pause between the guard and the commit (widens the window a SIGSTOP can catch). Default 25 ms.</summary>
    public TimeSpan CommitDelay { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Drops the epoch condition from commits (the checker's own test).</summary>
    public bool Unfenced { get; init; }

    /// <summary>
    /// Whether the node's store prepares its statements; off behind a pooler in transaction mode (docs/operations.md,
    /// "Behind a connection pooler").
    /// </summary>
    public bool PrepareStatements { get; init; } = true;

    /// <summary>
    /// The projections of the node's tenant databases; empty for none. When given, the node also runs a
    /// <see cref="Tenancy.TenantDatabaseNode"/> beside its own daemon: the tenant databases of the master table
    /// <c>projectiongen.tenant_databases</c> of its own database, balanced over the nodes of its registry
    /// (<see cref="Tenancy.BalancedTenantDatabases"/>), each tenant daemon with the node's audit trail and fencing
    /// (docs/chaos.md, "Tenant mode").
    /// </summary>
    public IReadOnlyList<string> TenantProjections { get; init; } = [];

    /// <summary>The tenant node's longest delay between two starts of a tenant database that fails; null for the fault suite's 2 s (the library default is 30 s).</summary>
    public TimeSpan? TenantMaxStartRetryDelay { get; init; }

    /// <summary>The node command's arguments after <c>node --connection ... --history ...</c>.</summary>
    public IEnumerable<string> ToArguments()
    {
        yield return "--node";
        yield return Name;
        yield return "--projections";
        yield return string.Join(',', Projections);
        if (Capacity is { } capacity)
        {
            yield return "--capacity";
            yield return capacity.ToString(CultureInfo.InvariantCulture);
        }

        if (Tags.Count > 0)
        {
            yield return "--tags";
            yield return string.Join(',', Tags);
        }

        foreach (var (projection, targets) in Pins)
        {
            yield return "--pin";
            yield return projection + "=" + string.Join(',', targets);
        }

        if (EvictionTimeout is { } eviction)
        {
            yield return "--eviction-timeout-ms";
            yield return ((int)eviction.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        if (HeartbeatTimeout is { } heartbeat)
        {
            yield return "--heartbeat-timeout-ms";
            yield return ((int)heartbeat.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        yield return "--commit-delay-ms";
        yield return ((int)CommitDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        if (Unfenced)
        {
            yield return "--unfenced";
        }

        if (!PrepareStatements)
        {
            yield return "--no-prepare";
        }

        if (TenantProjections.Count > 0)
        {
            yield return "--tenant-projections";
            yield return string.Join(',', TenantProjections);
        }

        if (TenantMaxStartRetryDelay is { } retry)
        {
            yield return "--tenant-max-start-retry-ms";
            yield return ((int)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Parses a <c>--pin</c> value, <c>projection=node1,tag:gpu</c>.</summary>
    /// <exception cref="ArgumentException">The value has no <c>=</c> or no target.</exception>
    public static KeyValuePair<string, string[]> ParsePin(string pin)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pin);
        var equals = pin.IndexOf('=', StringComparison.Ordinal);
        var targets = equals > 0 ? pin[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (equals <= 0 || targets.Length == 0)
        {
            throw new ArgumentException($"A pin is projection=node-or-tag:NAME[,...], not '{pin}'.", nameof(pin));
        }

        return new(pin[..equals].Trim(), targets);
    }
}
