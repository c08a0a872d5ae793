using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Progress;
using ProjectionGen.Versions;
using ProjectionGen.WritePath;

namespace ProjectionGen.Operations;

/// <summary>
/// Rebuilds a projection while nodes run: in one transaction it bumps the epoch (so the current owner's next commit is
/// refused: it is fenced, not raced), sets the position to 0, empties the read model and removes the projection's dead
/// letters. The owner then stops (at its next commit, or at its node's next status sample when idle), a node
/// re-acquires the lock under a newer epoch and replays every event from the start.
/// </summary>
/// <remarks>
/// The read model is emptied as follows: an aggregate projection's document table is deleted from; an event
/// projection that declares its tables (<see cref="ProjectionAttribute.Tables"/>) has its generation's copies of them
/// truncated (never the views of their names; docs/versions.md); an event projection may implement
/// <see cref="IResettableProjection"/>, whose statements run in the same transaction. An event projection with neither
/// cannot be rebuilt, because the runtime cannot know which tables it writes.
/// </remarks>
public sealed class ProjectionRebuilder
{
    private readonly PostgresEventStore store;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly ILogger logger;
    private readonly ProgressTable progress;
    private readonly string deadLettersSql;
    private readonly HistoryTable history;

    /// <summary>Creates a rebuilder for <paramref name="projections"/> (pass <c>GeneratedProjections.CreateAll()</c>) on <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">A document table is one of ProjectionGen's own, or two projections share one.</exception>
    public ProjectionRebuilder(PostgresEventStore store, IEnumerable<IGeneratedProjection> projections, ILogger<ProjectionRebuilder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        this.store = store;
        this.projections = [.. projections];
        DocumentTableNames.Validate(store.Schema, this.projections.Select(p => p.Descriptor));
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        progress = new ProgressTable(schema);
        history = new HistoryTable(schema);
        deadLettersSql = new DeadLetterTable(schema).DeleteOfKeySql;
    }

    /// <summary>The names of the projections this rebuilder knows.</summary>
    public IReadOnlyList<string> ProjectionNames => projections.Select(p => p.Descriptor.Name).ToList();

    /// <summary>Rebuilds <paramref name="projection"/>; see the class remarks.</summary>
    /// <exception cref="ArgumentException">No projection of that name is known.</exception>
    /// <exception cref="InvalidOperationException">It is an event projection without <see cref="IResettableProjection"/>.</exception>
    public async Task<ProjectionRebuildResult> RebuildAsync(string projection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        var generated = projections.FirstOrDefault(p => p.Descriptor.Name == projection)
            ?? throw new ArgumentException($"Unknown projection '{projection}'; known: {string.Join(", ", ProjectionNames)}.", nameof(projection));
        var descriptor = generated.Descriptor;

        // The generation of the descriptor's version, lane a: for version 1 the projection's own name, as always
        // (docs/versions.md; a shadow rebuild goes through ProjectionVersionOperations instead).
        var generation = ProjectionGeneration.Of(descriptor);
        var key = generation.Key;
        var eventTables = descriptor.Kind == ProjectionKind.Aggregate ? null : EventTables.Resolve(store.Schema, descriptor, generation);
        if (descriptor.Kind != ProjectionKind.Aggregate && eventTables is null && generated is not IResettableProjection)
        {
            throw new InvalidOperationException(
                $"Projection '{projection}' is an event projection without a reset: implement IResettableProjection on it, queueing the statements that empty its read model, to make it rebuildable.");
        }

        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                // The slot rows for the projection's current shard count (replacing rows of another count: a rebuild is
                // how a shard count changes), each slot's rebuild in the history, then every slot fenced by a new epoch
                // and reset.
                var slotNames = Enumerable.Range(0, descriptor.Shards).Select(shard => ProjectionSetup.SlotName(key, shard, descriptor.Shards)).ToList();
                foreach (var command in progress.ReshardCommands(key, slotNames))
                {
                    batch.BatchCommands.Add(command);
                }

                foreach (var slot in slotNames)
                {
                    batch.BatchCommands.Add(history.CreateRebuildCommand(slot));
                }

                batch.BatchCommands.Add(Command(progress.RebuildSql, key));
                batch.BatchCommands.Add(Command(deadLettersSql, key));
                if (descriptor.Kind == ProjectionKind.Aggregate)
                {
                    // Created first if the projection never ran, so the delete (and the first owner) find the table.
                    var table = DocumentTable.For(store, descriptor);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(table.CreateSql));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {table.QuotedName}"));
                }

                if (eventTables is not null)
                {
                    // The generation's copies of the declared tables, never the views of their names, which may lead to
                    // another generation (docs/versions.md, "Event projections"). Converted and created first if need be.
                    var versions = new ProjectionVersionTable(progress.Schema);
                    batch.BatchCommands.Add(BatchCommands.Create(
                        versions.PrepareTablesSql,
                        new NpgsqlParameter<string> { TypedValue = projection },
                        new NpgsqlParameter<string> { TypedValue = generation.Label },
                        new NpgsqlParameter<string[]> { TypedValue = [.. descriptor.Tables], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
                        new NpgsqlParameter<long> { TypedValue = versions.RegistrationKey(projection).Value }));
                    foreach (var physical in eventTables.Values)
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand($"TRUNCATE {physical}"));
                    }
                }

                if (generated is IResettableProjection resettable)
                {
                    var writer = new BatchWriter(projection, eventTables);
                    resettable.Reset(writer);
                    foreach (var command in writer.CommitCommands(group: false))
                    {
                        batch.BatchCommands.Add(command);
                    }
                }

                ProjectionRebuildResult result;
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    // The first result with columns is the advisory lock's; then the UPDATE's RETURNING rows, one per slot;
                    // the rest are drained so that a failing reset statement surfaces here, before the commit.
                    while (reader.FieldCount != 3 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                    }

                    long epoch = 0, previous = 0;
                    string? owner = null;
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        epoch = Math.Max(epoch, reader.GetInt64(0));
                        previous = Math.Max(previous, reader.GetInt64(1));
                        owner ??= reader.IsDBNull(2) ? null : reader.GetString(2);
                    }

                    result = new ProjectionRebuildResult(projection, epoch, previous, owner);
                    while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                OperationsLog.Rebuilt(logger, projection, result.Epoch, result.PreviousPosition);
                return result;
            }
        }
    }

    private static NpgsqlBatchCommand Command(string sql, string projection)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        return command;
    }
}
