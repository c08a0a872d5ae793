using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Progress;

/// <summary>
/// The one owner of the <c>projection_history</c> table's SQL: the bounded history of every projection's acquisitions,
/// moves, lock losses, rebuilds and version events, the dashboard's timeline. The daemon, the alert dispatcher, the
/// versions and the rebuilder add its statements to the transactions they already make, so a row exists exactly when
/// the change it describes committed; the public <see cref="Operations.ProjectionHistory"/> reads it. Each insert
/// prunes a few rows past the bound (<see cref="MaxRows"/> rows, <see cref="MaxAge"/>) with <c>SKIP LOCKED</c>: it
/// never waits and never fails on another writer's prune. See <c>docs/dashboard.md</c>.
/// </summary>
internal sealed class HistoryTable
{
    /// <summary>The most rows the table keeps.</summary>
    public const int MaxRows = 10_000;

    /// <summary>The oldest row the table keeps.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    // Rows pruned per insert at most: more than one, so the table shrinks back to the bound after a burst.
    private const int PruneBatch = 50;

    /// <summary>The entries since $1, newest first, at most $2.</summary>
    public string ReadSql { get; }

    private readonly string table;
    private readonly ProgressTable progress;
    private readonly ProjectionVersionTable versions;
    private readonly string prune;
    private readonly string acquisitionSql;

    /// <param name="schema">The validated schema.</param>
    public HistoryTable(PostgresIdentifier schema)
    {
        table = schema.Qualify("projection_history");
        progress = new ProgressTable(schema);
        versions = new ProjectionVersionTable(schema);
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
            previous AS (SELECT h.node FROM {table} h WHERE h.projection = $1 AND h.kind IN ('{HistoryKinds.Acquired}', '{HistoryKinds.Moved}') ORDER BY h.id DESC LIMIT 1)
            INSERT INTO {table} (kind, projection, node, epoch, position, detail)
            SELECT CASE WHEN previous.node IS NULL OR previous.node = $2 THEN '{HistoryKinds.Acquired}' ELSE '{HistoryKinds.Moved}' END,
                   p.name, $2, p.epoch, p.position, CASE WHEN previous.node = $2 THEN NULL ELSE 'from ' || previous.node END
            FROM ({progress.HistorySlotSql}) p LEFT JOIN previous ON true
            """;
        ReadSql = $"""
            SELECT id, at, kind, projection, node, epoch, position, detail FROM {table}
            WHERE at >= $1 ORDER BY id DESC LIMIT $2
            """;
    }

    /// <summary>
    /// The statement that records an acquisition (or a move) of <paramref name="projection"/> by <paramref name="node"/>;
    /// added to the epoch bump's batch right after the bump, so it commits with it.
    /// </summary>
    public NpgsqlBatchCommand CreateAcquisitionCommand(string projection, string node)
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
    public string RecordLossSql(string progressUpdate) => $"""
        WITH recorded AS ({progressUpdate}), {prune}
        INSERT INTO {table} (at, kind, projection, node, epoch, detail)
        SELECT $3, '{HistoryKinds.Lost}', $1, $5, $4, $2
        WHERE NOT EXISTS (SELECT 1 FROM {table} h WHERE h.projection = $1 AND h.epoch = $4 AND h.node = $5 AND h.kind = '{HistoryKinds.Lost}')
        """;

    /// <summary>
    /// The statement that records a rebuild of <paramref name="projection"/>, with the epoch it bumps to and the position
    /// it resets. Runs in the rebuild's transaction just before its epoch bump and locks the progress row, so the
    /// values recorded are the ones the bump replaces.
    /// </summary>
    public NpgsqlBatchCommand CreateRebuildCommand(string projection)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH {prune}
            INSERT INTO {table} (kind, projection, node, epoch, position, detail)
            SELECT '{HistoryKinds.Rebuilt}', p.name, NULL, p.epoch + 1, p.position,
                   'position ' || p.position || ' reset to 0, read model emptied' || coalesce('; owner ' || p.owner || ' fenced', '')
            FROM ({progress.HistorySlotSql} FOR UPDATE) p
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        return command;
    }

    /// <summary>
    /// The statement that records a version event (<see cref="HistoryKinds.BuildStarted"/>,
    /// <see cref="HistoryKinds.Switched"/>, <see cref="HistoryKinds.Retired"/>) of <paramref name="projection"/>,
    /// added to the transaction that makes the change. With <paramref name="onlyIfSwitchedNow"/>, the row is written only
    /// when the same transaction switched generation <paramref name="generation"/> live (the switch may decline).
    /// </summary>
    public NpgsqlBatchCommand CreateVersionCommand(string kind, string projection, string generation, string? node, long? epoch, string detail, bool onlyIfSwitchedNow = false)
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
}
