using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;

namespace ProjectionGen.Operations;

/// <summary>
/// Rebuilds a projection while nodes run: in one transaction it bumps the epoch (so the current owner's next commit is
/// refused: it is fenced, not raced), sets the position to 0, empties the read model and removes the projection's dead
/// letters. The owner then stops (at its next commit, or at its node's next status sample when idle), a node
/// re-acquires the lock under a newer epoch and replays every event from the start.
/// </summary>
/// <remarks>
/// The read model is emptied as follows: an aggregate projection's document table is deleted from; an event
/// projection must implement <see cref="IResettableProjection"/>, whose statements run in the same transaction. An
/// event projection without it cannot be rebuilt, because the runtime cannot know which tables it writes.
/// </remarks>
public sealed class ProjectionRebuilder
{
    private readonly PostgresEventStore store;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly ILogger logger;
    private readonly string bumpSql;
    private readonly string insertSql;
    private readonly string deadLettersSql;
    private readonly ProjectionHistory history;

    /// <summary>Creates a rebuilder for <paramref name="projections"/> (pass <c>GeneratedProjections.CreateAll()</c>) on <paramref name="store"/>.</summary>
    public ProjectionRebuilder(PostgresEventStore store, IEnumerable<IGeneratedProjection> projections, ILogger<ProjectionRebuilder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        this.store = store;
        this.projections = [.. projections];
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        history = ProjectionHistory.ForSchema(schema);
        insertSql = $"INSERT INTO {schema.Qualify("progress")} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

        // The old values come from the row version this UPDATE locks: a concurrent commit either finished before
        // (and is reset here) or waits and then matches no row (its epoch is gone).
        bumpSql = $"""
            UPDATE {schema.Qualify("progress")} p SET epoch = p.epoch + 1, position = 0, owner = NULL, owner_since = NULL, status = 'rebuilding'
            FROM (SELECT name, position, owner FROM {schema.Qualify("progress")} WHERE name = $1 FOR UPDATE) old
            WHERE p.name = old.name
            RETURNING p.epoch, old.position, old.owner
            """;
        deadLettersSql = $"DELETE FROM {schema.Qualify("dead_letters")} WHERE projection = $1";
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
        if (descriptor.Kind != ProjectionKind.Aggregate && generated is not IResettableProjection)
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
                batch.BatchCommands.Add(Command(insertSql, projection));
                batch.BatchCommands.Add(history.CreateRebuildCommand(projection));
                batch.BatchCommands.Add(Command(bumpSql, projection));
                batch.BatchCommands.Add(Command(deadLettersSql, projection));
                if (descriptor.Kind == ProjectionKind.Aggregate)
                {
                    // Created first if the projection never ran, so the delete (and the first owner) find the table.
                    var table = DocumentTable.For(store.Schema, descriptor);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(table.CreateSql));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {table.QuotedName}"));
                }

                if (generated is IResettableProjection resettable)
                {
                    var writer = new BatchWriter();
                    resettable.Reset(writer);
                    foreach (var command in writer.Commands)
                    {
                        batch.BatchCommands.Add(command);
                    }
                }

                ProjectionRebuildResult result;
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    // The reader stands on the UPDATE's RETURNING rows (statements without rows are skipped); the rest
                    // are drained so that a failing reset statement surfaces here, before the commit.
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    result = new ProjectionRebuildResult(projection, reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
                    while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                HostingLog.Rebuilt(logger, projection, result.Epoch, result.PreviousPosition);
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
