using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Operations;

/// <summary>
/// The bounded history of every projection's acquisitions, moves, lock losses and rebuilds (table
/// <c>{schema}.projection_history</c>), the dashboard's timeline. The only owner of that table's SQL: the daemon, the
/// alert dispatcher and the rebuilder add its statements to the transactions they already make, so a row exists
/// exactly when the change it describes committed. Each insert prunes a few rows past the bound
/// (<see cref="MaxRows"/> rows, <see cref="MaxAge"/>) with <c>SKIP LOCKED</c>: it never waits and never fails on
/// another writer's prune. See <c>docs/dashboard.md</c>.
/// </summary>
public sealed class ProjectionHistory
{
    /// <summary>The most rows the table keeps.</summary>
    public const int MaxRows = 10_000;

    /// <summary>The oldest row the table keeps.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    // Rows pruned per insert at most: more than one, so the table shrinks back to the bound after a burst.
    private const int PruneBatch = 50;

    private readonly NpgsqlDataSource? dataSource;
    private readonly string table;
    private readonly Progress.ProgressTable progress;
    private readonly Versions.ProjectionVersionTable versions;
    private readonly string prune;
    private readonly string acquisitionSql;
    private readonly string readSql;

    /// <summary>Creates a reader of <paramref name="store"/>'s history.</summary>
    public ProjectionHistory(PostgresEventStore store)
        : this(SchemaOf(store), store.DataSource)
    {
    }

    private ProjectionHistory(PostgresIdentifier schema, NpgsqlDataSource? dataSource)
    {
        this.dataSource = dataSource;
        table = schema.Qualify("projection_history");
        progress = new Progress.ProgressTable(schema);
        versions = new Versions.ProjectionVersionTable(schema);
        prune = $"""
            pruned AS (
              DELETE FROM {table} WHERE id IN (
                SELECT h.id FROM {table} h
                WHERE h.id <= (SELECT max(m.id) FROM {table} m) - {MaxRows} OR h.at < now() - interval '{(int)MaxAge.TotalHours} hours'
                ORDER BY h.id LIMIT {PruneBatch} FOR UPDATE SKIP LOCKED))
            """;

        // Runs after the epoch bump in the same transaction, so it reads the new epoch and position. A move is an
        // acquisition by another node than the previous one recorded here.
        acquisitionSql = $"""
            WITH {prune},
            previous AS (SELECT h.node FROM {table} h WHERE h.projection = $1 AND h.kind IN ('{ProjectionHistoryKinds.Acquired}', '{ProjectionHistoryKinds.Moved}') ORDER BY h.id DESC LIMIT 1)
            INSERT INTO {table} (kind, projection, node, epoch, position, detail)
            SELECT CASE WHEN previous.node IS NULL OR previous.node = $2 THEN '{ProjectionHistoryKinds.Acquired}' ELSE '{ProjectionHistoryKinds.Moved}' END,
                   p.name, $2, p.epoch, p.position, CASE WHEN previous.node = $2 THEN NULL ELSE 'from ' || previous.node END
            FROM ({progress.HistorySlotSql}) p LEFT JOIN previous ON true
            """;
        readSql = $"""
            SELECT id, at, kind, projection, node, epoch, position, detail FROM {table}
            WHERE at >= $1 ORDER BY id DESC LIMIT $2
            """;
    }

    private static PostgresIdentifier SchemaOf(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
    }

    /// <summary>The history owner of a schema, for the runtime's writers (no connections of its own).</summary>
    internal static ProjectionHistory ForSchema(PostgresIdentifier schema) => new(schema, null);

    /// <summary>
    /// The statement that records an acquisition (or a move) of <paramref name="projection"/> by <paramref name="node"/>;
    /// added to the epoch bump's batch right after the bump, so it commits with it.
    /// </summary>
    internal NpgsqlBatchCommand CreateAcquisitionCommand(string projection, string node)
    {
        var command = new NpgsqlBatchCommand(acquisitionSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        return command;
    }

    /// <summary>
    /// Wraps the progress row's loss update (<paramref name="progressUpdate"/>, parameters $1 projection, $2 cause,
    /// $3 time, $4 epoch) into one statement that also records the loss by node $5, once per projection, epoch and
    /// node (a retried statement adds no second row).
    /// </summary>
    internal string RecordLossSql(string progressUpdate) => $"""
        WITH recorded AS ({progressUpdate}), {prune}
        INSERT INTO {table} (at, kind, projection, node, epoch, detail)
        SELECT $3, '{ProjectionHistoryKinds.Lost}', $1, $5, $4, $2
        WHERE NOT EXISTS (SELECT 1 FROM {table} h WHERE h.projection = $1 AND h.epoch = $4 AND h.node = $5 AND h.kind = '{ProjectionHistoryKinds.Lost}')
        """;

    /// <summary>
    /// The statement that records a rebuild of <paramref name="projection"/>, with the epoch it bumps to and the position
    /// it resets. Runs in the rebuild's transaction just before its epoch bump and locks the progress row, so the
    /// values recorded are the ones the bump replaces.
    /// </summary>
    internal NpgsqlBatchCommand CreateRebuildCommand(string projection)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH {prune}
            INSERT INTO {table} (kind, projection, node, epoch, position, detail)
            SELECT '{ProjectionHistoryKinds.Rebuilt}', p.name, NULL, p.epoch + 1, p.position,
                   'position ' || p.position || ' reset to 0, read model emptied' || coalesce('; owner ' || p.owner || ' fenced', '')
            FROM ({progress.HistorySlotSql} FOR UPDATE) p
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        return command;
    }

    /// <summary>
    /// The statement that records a version event (<see cref="ProjectionHistoryKinds.BuildStarted"/>,
    /// <see cref="ProjectionHistoryKinds.Switched"/>, <see cref="ProjectionHistoryKinds.Retired"/>) of <paramref name="projection"/>,
    /// added to the transaction that makes the change. With <paramref name="onlyIfSwitchedNow"/>, the row is written only
    /// when the same transaction switched generation <paramref name="generation"/> live (the switch may decline).
    /// </summary>
    internal NpgsqlBatchCommand CreateVersionCommand(string kind, string projection, string generation, string? node, long? epoch, string detail, bool onlyIfSwitchedNow = false)
    {
        var condition = onlyIfSwitchedNow
            ? $"WHERE EXISTS ({versions.SwitchedNowSql})"
            : "";
        var command = new NpgsqlBatchCommand($"""
            WITH {prune}
            INSERT INTO {table} (kind, projection, node, epoch, detail)
            SELECT $1, $2, $3, $4, $5 {condition}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)node ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)epoch ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = detail });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = generation });
        return command;
    }

    /// <summary>Reads the entries since <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ProjectionHistoryEntry>> ReadAsync(DateTimeOffset since, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var source = dataSource ?? throw new InvalidOperationException("This history instance writes only; create one from a PostgresEventStore to read.");
        await using var command = source.CreateCommand(readSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<ProjectionHistoryEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ProjectionHistoryEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return entries;
    }
}
