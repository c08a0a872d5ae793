using System.Text.Json;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Progress;
using ProjectionGen.Serialization;
using ProjectionGen.WritePath;

namespace ProjectionGen.Operations;

/// <summary>
/// Reads, discards and retries dead letters (table <c>{schema}.dead_letters</c>, written by the daemon's commits).
/// A retry applies the one event through the projection's generated code now, in one transaction that also bumps the
/// projection's epoch (fencing the owner's in-flight batch, as a rebuild does: the owner stops and a node resumes from
/// the committed position under a newer epoch) and deletes the dead letter. If the handler fails again nothing is
/// kept but the new attempt count and exception. See <c>docs/dashboard.md</c>.
/// </summary>
/// <remarks>
/// The retried event is applied after the later events of its stream that the projection already applied: right
/// for projections whose result does not depend on order (ledgers, counters); for the others, rebuild instead.
/// </remarks>
public sealed class ProjectionDeadLetters
{
    /// <summary>The longest payload <see cref="ReadAsync"/> returns, in characters.</summary>
    public const int MaxPayloadChars = 16_384;

    private readonly PostgresEventStore store;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly JsonSerializerOptions documentOptions;
    private readonly string schema;
    private readonly Progress.DeadLetterTable table;
    private readonly Progress.ProgressTable progress;

    /// <summary>Creates the dead-letter operations for <paramref name="projections"/> on <paramref name="store"/>.</summary>
    /// <param name="store">The event store.</param>
    /// <param name="projections">The application's projections (needed to retry).</param>
    /// <param name="documentSerializerOptions">The daemon's <see cref="ProjectionDaemonOptions.DocumentSerializerOptions"/>.</param>
    public ProjectionDeadLetters(PostgresEventStore store, IEnumerable<IGeneratedProjection> projections, JsonSerializerOptions? documentSerializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        this.store = store;
        this.projections = [.. projections];
        documentOptions = documentSerializerOptions ?? DefaultJsonOptions.Create(DefaultJsonOptions.ContractsOf(this.projections));
        schema = store.Schema;
        var s = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        table = new Progress.DeadLetterTable(s, MaxPayloadChars);
        progress = new Progress.ProgressTable(s);
    }

    /// <summary>The newest dead letters, at most <paramref name="limit"/>, with their payloads.</summary>
    public async Task<IReadOnlyList<DeadLetterEntry>> ReadAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = store.DataSource.CreateCommand(table.ReadSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One dead letter with its payload.</summary>
    /// <returns><see langword="null"/> when there is no dead letter of that id.</returns>
    public async Task<DeadLetterEntry?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand(table.FindSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        var entries = await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
        return entries.Count == 0 ? null : entries[0];
    }

    private static async Task<IReadOnlyList<DeadLetterEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<DeadLetterEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new DeadLetterEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetInt32(9),
                reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return entries;
    }

    /// <summary>How many dead letters there are in all.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand(table.CountSql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Deletes a dead letter without applying its event.</summary>
    /// <returns>Whether it existed.</returns>
    public async Task<bool> DiscardAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand(table.DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Applies a dead letter's event through its projection now; see the class summary.</summary>
    /// <returns><see langword="null"/> when there is no such dead letter.</returns>
    /// <exception cref="InvalidOperationException">The dead letter's projection is not one of this application's.</exception>
    public async Task<DeadLetterRetryResult?> RetryAsync(long id, CancellationToken cancellationToken = default)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                string slot;
                long sequence;
                await using (var command = new NpgsqlCommand(table.LockSql, connection, transaction))
                {
                    command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    slot = reader.GetString(0);
                    sequence = reader.GetInt64(1);
                }

                // The dead letter names its slot (name, name/2, name@v2, name@v2/1): the handlers of that generation's
                // version apply it, into that generation's tables, and that slot is fenced.
                var parts = Progress.SlotNameParts.Parse(slot)
                    ?? throw new InvalidOperationException($"Dead letter {id} belongs to '{slot}', which is not a slot name.");
                var generation = parts.Generation;
                var generated = projections.FirstOrDefault(p => p.Descriptor.Name == generation.Projection && p.Descriptor.Version == generation.Version)
                    ?? throw new InvalidOperationException($"Dead letter {id} belongs to slot '{slot}' of projection '{generation.Projection}' version {generation.Version}, which this application does not run.");

                // The fence first: the owner's in-flight commit waits on this row lock and then finds its epoch gone.
                long epoch, position;
                await using (var command = new NpgsqlCommand(progress.FenceSlotSql, connection, transaction))
                {
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw new InvalidOperationException($"Slot '{slot}' has no progress row.");
                    }

                    epoch = reader.GetInt64(0);
                    position = reader.GetInt64(1);
                }

                var events = await store.ReadAllAsync(connection, sequence - 1, sequence, 1, null, cancellationToken).ConfigureAwait(false);
                string? error = events.Count == 0 ? "the event no longer exists"
                    : events[0].Data is null ? "the event cannot be read: " + events[0].DeserializationError
                    : null;
                if (error is null)
                {
                    var batch = new DeadLetterRetryBatch(this, generated.Descriptor, generation, epoch, position, events, connection);
                    try
                    {
                        // A conjoined store's aggregate applies the event to its tenant's documents only (docs/tenancy.md).
                        var perTenant = generated.Descriptor.Kind == ProjectionKind.Aggregate && store.Tenancy == TenancyStyle.Conjoined ? batch : null;
                        await TenantBatch.RunAsync(generated, batch, perTenant, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ProjectionHandlerException failure)
                    {
                        error = failure.InnerException?.ToString() ?? failure.ToString();
                    }

                    if (error is null && batch.Commit is { } commit)
                    {
                        await using var sent = commit;
                        commit.BatchCommands.Add(Command(table.DeleteSql, id));
                        await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return new DeadLetterRetryResult(id, true, epoch, null);
                    }
                }

                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                await using (var failed = new NpgsqlCommand(table.FailedSql, connection))
                {
                    failed.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                    failed.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error ?? "the projection did not commit" });
                    await failed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return new DeadLetterRetryResult(id, false, null, error ?? "the projection did not commit");
            }
        }
    }

    private static NpgsqlBatchCommand Command(string sql, long id)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return command;
    }

    /// <summary>The retried event as a one-event batch; its commit is collected, then sent in the retry's transaction.</summary>
    private sealed class DeadLetterRetryBatch(
        ProjectionDeadLetters owner,
        ProjectionDescriptor descriptor,
        ProjectionGeneration generation,
        long epoch,
        long position,
        IReadOnlyList<EventEnvelope> events,
        NpgsqlConnection connection) : IProjectionBatch, ITenantDocuments
    {
        // A dead letter is retried for the generation of its slot, so a projection that declares its tables writes that
        // generation's copies (docs/versions.md, "Event projections").
        private readonly BatchWriter writer = new(descriptor.Name, EventTables.Resolve(owner.schema, descriptor, generation));
#pragma warning disable CA1859 // The batch is not generic: it holds the document set of whichever type the projection keeps.
        private IBatchDocuments? documents;
#pragma warning restore CA1859

        public string ProjectionName => descriptor.Name;

        public long Epoch => epoch;

        public long FromPosition => position;

        public long ToPosition => position;

        public IReadOnlyList<EventEnvelope> Events => events;

        public IProjectionWriter Writer => writer;

        public NpgsqlBatch? Commit { get; private set; }

        public IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class => CreateDocuments<TDocument>(null);

        /// <summary>The documents of the retried event's tenant (one event: one tenant).</summary>
        public IDocumentSet<TDocument> Documents<TDocument>(string tenant, IReadOnlyList<EventEnvelope> tenantEvents) where TDocument : class => CreateDocuments<TDocument>(tenant);

        private DocumentSet<TDocument> CreateDocuments<TDocument>(string? tenant) where TDocument : class
        {
            if (documents is DocumentSet<TDocument> existing)
            {
                return existing;
            }

            var table = DocumentTable.For(owner.store, descriptor, generation);
            var options = owner.documentOptions;
            if (descriptor.DocumentType != typeof(TDocument) || options.GetTypeInfo(typeof(TDocument)) is not System.Text.Json.Serialization.Metadata.JsonTypeInfo<TDocument> typeInfo)
            {
                throw new InvalidOperationException($"Projection '{descriptor.Name}' keeps documents of type {descriptor.DocumentType?.FullName ?? "(none)"}, not {typeof(TDocument).FullName}.");
            }

            var created = new DocumentSet<TDocument>(table, typeInfo, events, connection, null, tenant);
            documents = created;
            return created;
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            var batch = new NpgsqlBatch(connection);
            documents?.AddCommitCommands(batch, position);
            foreach (var command in writer.CommitCommands(group: false))
            {
                batch.BatchCommands.Add(command);
            }

            Commit = batch;
            return ValueTask.CompletedTask;
        }
    }
}
