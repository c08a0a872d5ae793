using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Progress;

namespace ProjectionGen.Versions;

/// <summary>
/// Operator actions on a projection's generations (docs/versions.md): a shadow rebuild (a fresh build of the live
/// version beside it, switched to like a new version once it has caught up), a switch back to a kept generation (it
/// catches up from where it stopped and is then switched to), retirement of a kept generation (its table dropped, its
/// progress rows deleted), and the generations' status. Each action is one transaction that also records itself in
/// <c>projection_history</c>; creating and dropping tables needs the schema owner's role (docs/operations.md).
/// </summary>
public sealed class ProjectionVersionOperations
{
    private readonly PostgresEventStore store;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly ProjectionVersionTable versions;
    private readonly ProgressTable progress;
    private readonly HistoryTable history;
    private readonly string deadLettersSql;

    /// <summary>Creates the operations for <paramref name="projections"/> (pass <c>GeneratedProjections.CreateAll()</c>) on <paramref name="store"/>.</summary>
    public ProjectionVersionOperations(PostgresEventStore store, IEnumerable<IGeneratedProjection> projections)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        this.store = store;
        this.projections = [.. projections];
        DocumentTableNames.Validate(store.Schema, this.projections.Select(p => p.Descriptor));
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        versions = new ProjectionVersionTable(schema);
        progress = new ProgressTable(schema);
        history = new HistoryTable(schema);
        deadLettersSql = new DeadLetterTable(schema).DeleteOfKeySql;
    }

    /// <summary>Raised after an action committed: <see cref="ProjectionLifecycleKind.VersionBuildStarted"/> or <see cref="ProjectionLifecycleKind.VersionRetired"/>.</summary>
    public event EventHandler<ProjectionLifecycleEventArgs>? Lifecycle;

    /// <summary>Every generation of every projection, with its state, lowest position and lag.</summary>
    public async Task<IReadOnlyList<ProjectionVersionStatus>> ReadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAsync(store, versions, connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads every generation on <paramref name="connection"/> (shared with the status reader).</summary>
    internal static async Task<IReadOnlyList<ProjectionVersionStatus>> ReadAsync(PostgresEventStore store, ProjectionVersionTable versions, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(versions.StatusSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<ProjectionVersionStatus>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long? position = reader.IsDBNull(11) ? null : reader.GetInt64(11);
            result.Add(new ProjectionVersionStatus(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetInt32(6),
                reader.GetInt64(12),
                position,
                mark,
                position is { } p ? Math.Max(0, mark - p) : mark,
                reader.GetFieldValue<DateTimeOffset>(7),
                Nullable(reader, 8),
                Nullable(reader, 9),
                Nullable(reader, 10)));
        }

        return result;
    }

    /// <summary>
    /// Starts a shadow rebuild of <paramref name="projection"/>: the lane of the live version that is not live gets a fresh,
    /// empty table and progress rows at position 0 under new epochs, and is marked building; the nodes that run the
    /// version build it from the first event while the live generation keeps serving, and switch readers to it once it
    /// has caught up. A kept generation in that lane is overwritten.
    /// </summary>
    /// <returns>The label of the generation being built (for example <c>v1b</c>).</returns>
    /// <exception cref="ArgumentException">No projection of that name is known.</exception>
    /// <exception cref="InvalidOperationException">An event projection that declares no tables, no live generation, or a build already running.</exception>
    public async Task<string> StartShadowRebuildAsync(string projection, CancellationToken cancellationToken = default)
    {
        var descriptor = Find(projection);
        var built = await InTransactionAsync(projection, async (connection, transaction) =>
        {
            var (liveLabel, liveVersion, _, _, shards) = await ReadLiveAsync(connection, transaction, projection, cancellationToken).ConfigureAwait(false);
            await EnsureNothingBuildingAsync(connection, transaction, projection, cancellationToken).ConfigureAwait(false);
            var live = ProjectionGeneration.Parse(projection, liveLabel)
                ?? throw new InvalidOperationException($"The live generation '{liveLabel}' of projection '{projection}' is not a generation label.");
            var target = new ProjectionGeneration(projection, liveVersion, !live.LaneB);
            var eventTables = descriptor.Kind == ProjectionKind.Aggregate ? null : EventTables.Resolve(store.Schema, descriptor, target);
            var table = eventTables is null ? DocumentTable.For(store, descriptor, target) : null;
            var tableName = table?.Name ?? string.Join(", ", EventTables.PhysicalNames(descriptor, target));
            var slotNames = Enumerable.Range(0, shards).Select(shard => ProjectionSetup.SlotName(target.Key, shard, shards)).ToList();
            await using var batch = new NpgsqlBatch(connection, transaction);
            if (table is not null)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(table.CreateSql));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(CopyGrantsSql(DocumentTable.For(store.Schema, descriptor, live).QuotedName, table.QuotedName)));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(table.TruncateSql));
            }

            foreach (var command in progress.ResetSlotsCommands(target.Key, slotNames))
            {
                batch.BatchCommands.Add(command);
            }

            batch.BatchCommands.Add(BatchCommands.Create(deadLettersSql, ProjectionVersionTable.Text(target.Key)));
            batch.BatchCommands.Add(BatchCommands.Create(
                versions.StartBuildSql,
                ProjectionVersionTable.Text(projection),
                ProjectionVersionTable.Text(target.Label),
                new NpgsqlParameter<int> { TypedValue = target.Version },
                ProjectionVersionTable.Text(target.Key),
                ProjectionVersionTable.Text(tableName),
                new NpgsqlParameter<int> { TypedValue = shards }));
            if (eventTables is not null)
            {
                // The event projection's copies for the target: created like the live ones when missing, emptied when kept.
                batch.BatchCommands.Add(PrepareTablesCommand(projection, target, descriptor));
                foreach (var physical in eventTables.Values)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"TRUNCATE {physical}"));
                }
            }

            batch.BatchCommands.Add(history.CreateVersionCommand(HistoryKinds.BuildStarted, projection, target.Label, null, null, $"shadow rebuild of generation {liveLabel} into {target.Label} ({tableName})"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return (target, ProjectionLifecycleKind.VersionBuildStarted, $"shadow rebuild of {liveLabel} into {target.Label}");
        }, cancellationToken).ConfigureAwait(false);
        return built.Label;
    }

    /// <summary>
    /// Switches <paramref name="projection"/> back to kept generation <paramref name="generation"/>: it is marked building,
    /// the nodes that run its version catch it up from where it stopped, and readers are switched to it (fenced, in one
    /// transaction) once it has caught up with the live one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generation is not kept, or a build is already running.</exception>
    public async Task SwitchBackAsync(string projection, string generation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        var target = ParseLabel(projection, generation);
        await InTransactionAsync(projection, async (connection, transaction) =>
        {
            await EnsureStateAsync(connection, transaction, projection, target.Label, ProjectionVersionStates.Kept, "switched back to", cancellationToken).ConfigureAwait(false);
            await EnsureNothingBuildingAsync(connection, transaction, projection, cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(BatchCommands.Create(versions.SwitchBackSql, ProjectionVersionTable.Text(projection), ProjectionVersionTable.Text(target.Label)));
            batch.BatchCommands.Add(BatchCommands.Create(progress.UnkeepSql, ProjectionVersionTable.Text(target.Key)));
            batch.BatchCommands.Add(history.CreateVersionCommand(HistoryKinds.BuildStarted, projection, target.Label, null, null, $"switch back to {target.Label}: it catches up, then readers are switched"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return (target, ProjectionLifecycleKind.VersionBuildStarted, $"switch back to {target.Label}");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Retires kept generation <paramref name="generation"/> of <paramref name="projection"/>: drops its document table and
    /// deletes its progress rows (fencing any owner) and dead letters; for an event projection, drops the generation's
    /// copies of its declared tables (never their views). It can no longer be switched back to.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generation is not kept (a live or building one is never retired).</exception>
    public async Task RetireAsync(string projection, string generation, CancellationToken cancellationToken = default)
    {
        Find(projection);
        var target = ParseLabel(projection, generation);
        await InTransactionAsync(projection, async (connection, transaction) =>
        {
            var (table, eventTables) = await EnsureStateAsync(connection, transaction, projection, target.Label, ProjectionVersionStates.Kept, "retired", cancellationToken).ConfigureAwait(false);
            var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
            await using var batch = new NpgsqlBatch(connection, transaction);

            // An event projection's generation owns a copy of each declared table; never the views, which have the declared names.
            foreach (var physical in eventTables is null ? [table] : eventTables.Select(t => EventTables.Physical(t, target)))
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE IF EXISTS {schema.Qualify(physical)}"));
            }

            batch.BatchCommands.Add(BatchCommands.Create(progress.DeleteSlotsSql, ProjectionVersionTable.Text(target.Key)));
            batch.BatchCommands.Add(BatchCommands.Create(deadLettersSql, ProjectionVersionTable.Text(target.Key)));
            batch.BatchCommands.Add(BatchCommands.Create(versions.RetireSql, ProjectionVersionTable.Text(projection), ProjectionVersionTable.Text(target.Label)));
            batch.BatchCommands.Add(history.CreateVersionCommand(HistoryKinds.Retired, projection, target.Label, null, null, $"generation {target.Label} retired: {table} dropped"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return (target, ProjectionLifecycleKind.VersionRetired, $"generation {target.Label} retired");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Grants on <paramref name="to"/> what the live generation's table <paramref name="from"/> grants (other than to its
    /// owner), as <c>prepare_event_tables</c> does for an event projection's copies: the runtime role that writes the live
    /// table writes the shadow one too (docs/operations.md, "Least privilege"); without them the nodes of a least-privilege
    /// role could not write the generation they build. Both names are validated, quoted identifiers.
    /// </summary>
    private static string CopyGrantsSql(string from, string to) =>
        "DO $grants$ DECLARE g record; BEGIN FOR g IN SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee "
        + $"FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = to_regclass('{from.Replace("'", "''", StringComparison.Ordinal)}') AND a.grantee <> c.relowner "
        + $"LOOP EXECUTE format('GRANT %s ON TABLE {to.Replace("'", "''", StringComparison.Ordinal)} TO %s', g.privilege_type, g.grantee); END LOOP; END $grants$";

    private ProjectionDescriptor Find(string projection)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        var descriptor = projections.Select(p => p.Descriptor).FirstOrDefault(d => d.Name == projection)
            ?? throw new ArgumentException($"Unknown projection '{projection}'; known: {string.Join(", ", projections.Select(p => p.Descriptor.Name).Distinct())}.", nameof(projection));
        if (descriptor.Kind != ProjectionKind.Aggregate && descriptor.Tables.Count == 0)
        {
            throw new InvalidOperationException(
                $"Projection '{projection}' is an event projection that declares no tables: its handlers write tables the runtime does not know, which cannot be built beside themselves. "
                + $"Declare them ([Projection(\"{projection}\", Tables = new[] {{ ... }})], writing them through writer.Table(...)) or rebuild it in place (ProjectionRebuilder) (docs/versions.md).");
        }

        return descriptor;
    }

    private NpgsqlBatchCommand PrepareTablesCommand(string projection, ProjectionGeneration target, ProjectionDescriptor descriptor) =>
        BatchCommands.Create(
            versions.PrepareTablesSql,
            ProjectionVersionTable.Text(projection),
            ProjectionVersionTable.Text(target.Label),
            new NpgsqlParameter<string[]> { TypedValue = [.. descriptor.Tables], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter<long> { TypedValue = versions.RegistrationKey(projection).Value });

    private static ProjectionGeneration ParseLabel(string projection, string generation) =>
        ProjectionGeneration.Parse(projection, generation ?? throw new ArgumentNullException(nameof(generation)))
        ?? throw new ArgumentException($"'{generation}' is not a generation label (v1, v1b, v2, ...).", nameof(generation));

    private async Task<ProjectionGeneration> InTransactionAsync(
        string projection,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<(ProjectionGeneration Target, ProjectionLifecycleKind Kind, string Detail)>> action,
        CancellationToken cancellationToken)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var serialize = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
                {
                    serialize.Parameters.Add(new NpgsqlParameter<long> { TypedValue = versions.RegistrationKey(projection).Value });
                    await serialize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var (target, kind, detail) = await action(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                Lifecycle?.Invoke(this, new ProjectionLifecycleEventArgs(kind, target.Key, "", 0, DateTimeOffset.UtcNow, detail));
                return target;
            }
        }
    }

    private async Task<(string Label, int Version, string Key, string Table, int Shards)> ReadLiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string projection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(versions.LiveSql, connection, transaction);
        command.Parameters.Add(ProjectionVersionTable.Text(projection));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Projection '{projection}' has no live generation yet: start a node that runs it first (docs/versions.md).");
        }

        return (reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4));
    }

    private async Task EnsureNothingBuildingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string projection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(versions.BuildingSql, connection, transaction);
        command.Parameters.Add(ProjectionVersionTable.Text(projection));
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string building)
        {
            throw new InvalidOperationException($"Generation {building} of projection '{projection}' is already building; wait for its switch (or retire it after switching back).");
        }
    }

    private async Task<(string Table, string[]? EventTables)> EnsureStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string projection, string label, string expected, string action, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(versions.RowSql, connection, transaction);
        command.Parameters.Add(ProjectionVersionTable.Text(projection));
        command.Parameters.Add(ProjectionVersionTable.Text(label));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Projection '{projection}' has no generation {label}.");
        }

        var state = reader.GetString(1);
        if (state != expected)
        {
            throw new InvalidOperationException($"Generation {label} of projection '{projection}' is {state}: only a {expected} generation can be {action}.");
        }

        return (reader.GetString(3), reader.IsDBNull(5) ? null : reader.GetFieldValue<string[]>(5));
    }

    private static DateTimeOffset? Nullable(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
