using System.Text.Json.Serialization.Metadata;
using Npgsql;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;
using ProjectionGen.WritePath;

namespace ProjectionGen.Daemon;

/// <summary>
/// One batch handed to generated code: its events, the writer and documents that collect its changes, and the commit
/// that sends them with the guard's fenced progress update in one implicit transaction and one round trip.
/// </summary>
internal sealed class ProjectionBatch : IProjectionBatch, ITenantDocuments
{
    private readonly ProjectionSetup setup;
    private readonly ProjectionOwnership ownership;
    private readonly ProjectionGuard guard;
    private readonly NpgsqlConnection connection;
    private readonly IReadOnlyList<DeadLetter> deadLetters;
    private readonly string deadLetterSql;
    private readonly DaemonTestHooks hooks;
    private readonly IReadOnlyDictionary<string, object?>? preloadedDocuments;
    private readonly BatchWriter writer;
#pragma warning disable CA1859 // The batch is not generic: it holds the document set of whichever type the projection keeps.
    private IBatchDocuments? documents;
#pragma warning restore CA1859

    // A conjoined store's documents, one set per tenant (docs/tenancy.md), in the order the tenants came.
    private readonly List<IBatchDocuments> tenantDocuments = [];
    private readonly Dictionary<string, object> tenantSets = new(StringComparer.Ordinal);

    /// <param name="setup">The projection.</param>
    /// <param name="ownership">The ownership the batch commits under.</param>
    /// <param name="services">The daemon's guard, dead-letter statement and hooks.</param>
    /// <param name="connection">The batch connection.</param>
    /// <param name="fromPosition">The position the batch starts after.</param>
    /// <param name="toPosition">The position the batch commits.</param>
    /// <param name="events">The events handed to the projection.</param>
    /// <param name="deadLetters">The events dead-lettered before the batch ran.</param>
    /// <param name="preloadedDocuments">The documents read with the events (docs/daemon.md, "Reading ahead"), or <see langword="null"/>.</param>
    public ProjectionBatch(
        ProjectionSetup setup,
        ProjectionOwnership ownership,
        AgentServices services,
        NpgsqlConnection connection,
        long fromPosition,
        long toPosition,
        IReadOnlyList<EventEnvelope> events,
        IReadOnlyList<DeadLetter> deadLetters,
        IReadOnlyDictionary<string, object?>? preloadedDocuments = null)
    {
        this.preloadedDocuments = preloadedDocuments;
        writer = new BatchWriter(setup.Name, setup.Tables);
        this.setup = setup;
        this.ownership = ownership;
        guard = services.Guard;
        this.connection = connection;
        this.deadLetters = deadLetters;
        deadLetterSql = services.DeadLetterSql;
        hooks = services.Hooks;
        FromPosition = fromPosition;
        ToPosition = toPosition;
        Events = events;
    }

    public string ProjectionName => setup.Name;

    public long Epoch => ownership.Epoch;

    public long FromPosition { get; }

    public long ToPosition { get; }

    public IReadOnlyList<EventEnvelope> Events { get; }

    public IProjectionWriter Writer => writer;

    /// <summary>Whether <see cref="CommitAsync"/> succeeded.</summary>
    public bool Committed { get; private set; }

    /// <summary>The documents the commit wrote (id → stored JSON, null when deleted); null when it wrote none.</summary>
    /// <remarks>Null for a conjoined store's batch: its documents are not read with the events (docs/tenancy.md).</remarks>
    public IReadOnlyDictionary<string, string?>? WrittenDocuments => Committed && tenantDocuments.Count == 0 ? documents?.Written : null;

    /// <summary>How many SQL commands the commit sent (writes, documents, dead letters and the fenced update).</summary>
    public int CommandCount { get; private set; }

    public IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class
    {
        if (setup.DocumentTable is null || setup.Descriptor.DocumentType != typeof(TDocument) || setup.DocumentTypeInfo is not JsonTypeInfo<TDocument> typeInfo)
        {
            throw new InvalidOperationException(
                $"Projection '{setup.Name}' keeps documents of type {setup.Descriptor.DocumentType?.FullName ?? "(none)"}, not {typeof(TDocument).FullName}.");
        }

        if (documents is DocumentSet<TDocument> existing)
        {
            return existing;
        }

        var created = new DocumentSet<TDocument>(setup.DocumentTable, typeInfo, Events, connection, preloadedDocuments);
        documents = created;
        return created;
    }

    /// <summary>The documents of one tenant of a conjoined store's batch (<see cref="TenantBatch"/>).</summary>
    public IDocumentSet<TDocument> Documents<TDocument>(string tenant, IReadOnlyList<EventEnvelope> events) where TDocument : class
    {
        if (setup.DocumentTable is null || setup.Descriptor.DocumentType != typeof(TDocument) || setup.DocumentTypeInfo is not JsonTypeInfo<TDocument> typeInfo)
        {
            throw new InvalidOperationException(
                $"Projection '{setup.Name}' keeps documents of type {setup.Descriptor.DocumentType?.FullName ?? "(none)"}, not {typeof(TDocument).FullName}.");
        }

        if (tenantSets.TryGetValue(tenant, out var existing))
        {
            return (DocumentSet<TDocument>)existing;
        }

        var created = new DocumentSet<TDocument>(setup.DocumentTable, typeInfo, events, connection, null, tenant);
        tenantSets[tenant] = created;
        tenantDocuments.Add(created);
        return created;
    }

    /// <summary>
    /// Commits the batch. The commit is not cancelled by <paramref name="cancellationToken"/> once it is sent: a commit
    /// that races a lock loss is decided by the server's fencing, never by the client.
    /// </summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        if (Committed)
        {
            throw new InvalidOperationException("The batch was already committed.");
        }

        // The guard, part one: no round trip when the heartbeat already knows the lock is gone.
        ProjectionGuard.EnsureNotKnownLost(ownership);
        if (hooks.BeforeCommit is { } beforeCommit)
        {
            await beforeCommit(this).ConfigureAwait(false);
        }

        // From here on the commit is sent whatever happens to the token: a commit racing a lock loss is decided by
        // the server's epoch check, which is exactly what must hold for a process that paused right here.
        await using var batch = new NpgsqlBatch(connection);

        // The guard, part two, first in the transaction so a refused commit does no other work.
        batch.BatchCommands.Add(guard.CreateFencedCommit(ownership, FromPosition, ToPosition));
        if (hooks.AuditSql is { } auditSql)
        {
            batch.BatchCommands.Add(CreateAuditInsert(auditSql));
        }

        foreach (var deadLetter in deadLetters)
        {
            batch.BatchCommands.Add(CreateDeadLetterInsert(deadLetter));
        }

        documents?.AddCommitCommands(batch, ToPosition);
        foreach (var tenantSet in tenantDocuments)
        {
            tenantSet.AddCommitCommands(batch, ToPosition);
        }

        try
        {
            if (writer.HasCopyRuns(hooks.RowCopyThreshold))
            {
                await CommitWithCopyAsync(batch).ConfigureAwait(false);
            }
            else
            {
                foreach (var command in writer.CommitCommands(hooks.GroupWrites))
                {
                    batch.BatchCommands.Add(command);
                }

                CommandCount = batch.BatchCommands.Count;

                // No explicit transaction: a multi-statement batch runs as one implicit transaction, all or nothing.
                await batch.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (PostgresException error) when (ProjectionGuard.Translate(error, ownership) is { } refused)
        {
            throw refused;
        }

        Committed = true;
    }

    /// <summary>
    /// The commit with runs of rows sent by binary COPY (measured, see docs/benchmarks.md): one explicit transaction
    /// with the fenced update first, then the queued commands and copies in queue order, then COMMIT. A refused fenced
    /// update fails the first statement, and the transaction is rolled back with every copy.
    /// </summary>
    private async Task CommitWithCopyAsync(NpgsqlBatch first)
    {
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
        first.Transaction = transaction;
        var pending = first;
        var sent = 0;
        try
        {
            foreach (var (command, copy) in writer.CommitSequence(hooks.GroupWrites, hooks.RowCopyThreshold))
            {
                if (command is not null)
                {
                    pending.BatchCommands.Add(command);
                    continue;
                }

                sent += pending.BatchCommands.Count + 1;
                if (pending.BatchCommands.Count > 0)
                {
                    await pending.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }

                await copy!.CopyAsync(connection, writer.ResolveRowTable(copy.Table), CancellationToken.None).ConfigureAwait(false);
                if (!ReferenceEquals(pending, first))
                {
                    await pending.DisposeAsync().ConfigureAwait(false);
                }

                pending = new NpgsqlBatch(connection, transaction);
            }

            sent += pending.BatchCommands.Count;
            if (pending.BatchCommands.Count > 0)
            {
                await pending.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!ReferenceEquals(pending, first))
            {
                await pending.DisposeAsync().ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        CommandCount = sent;
    }

    private NpgsqlBatchCommand CreateAuditInsert(string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.ProjectionName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ownership.Epoch });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.NodeName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = FromPosition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ToPosition });
        return command;
    }

    private NpgsqlBatchCommand CreateDeadLetterInsert(DeadLetter deadLetter)
    {
        var command = new NpgsqlBatchCommand(deadLetterSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.ProjectionName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deadLetter.Sequence });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.StreamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.EventType });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ownership.Epoch });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownership.NodeName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Reason });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deadLetter.Exception ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = deadLetter.Attempts });
        return command;
    }
}
