using System.Text.Json;
using Npgsql;

namespace ProjectionGen.Daemon;

/// <summary>
/// Reads one agent's batches: the events after a position up to a safe mark (with their streams' documents, where a
/// single-stream aggregate can fold the document load into the read), and the read ahead of the next batch on a pooled
/// connection of its own while the current one commits (docs/daemon.md, "Reading ahead"). One per agent, used by the
/// agent's own loop only.
/// </summary>
internal sealed class BatchReader(ProjectionSlot slot, AgentServices services)
{
    private readonly ProjectionSetup setup = slot.Setup;
    private (Task<BatchRead> Read, CancellationTokenSource Cancel)? readAhead;
    private IReadOnlyDictionary<string, string?>? lastWritten;

    /// <summary>Remembers the documents the last committed batch wrote, which a read ahead's documents must reflect.</summary>
    public void Remember(IReadOnlyDictionary<string, string?>? written) => lastWritten = written;

    /// <summary>
    /// Whether the batch's documents are read with its events: single-stream aggregates (a multi-stream one knows its
    /// documents only after routing) of a store without tenancy (a conjoined store's documents are loaded per tenant, docs/tenancy.md).
    /// </summary>
    private bool ReadsDocumentsWithEvents =>
        services.Hooks.FoldDocumentLoad && setup.DocumentTable is { Conjoined: false } && setup.DocumentTypeInfo is not null && !setup.Descriptor.MultiStream;

    /// <summary>Reads a batch's events (after <paramref name="from"/>, up to the safe <paramref name="mark"/>) and, where it pays, their streams' documents, in one round trip.</summary>
    public async Task<BatchRead> ReadAsync(NpgsqlConnection connection, long from, long mark, long generation, int limit, CancellationToken cancellationToken)
    {
        if (!ReadsDocumentsWithEvents)
        {
            var events = await services.Store.ReadAllAsync(connection, from, mark, limit, setup.EventTypeNames, slot.Filter, cancellationToken).ConfigureAwait(false);
            return new BatchRead(from, mark, generation, limit, events, null);
        }

        var (read, rows) = await services.Store.ReadAllWithAsync(connection, from, mark, limit, setup.EventTypeNames, slot.Filter, setup.DocumentTable!.SelectForReadSql, cancellationToken).ConfigureAwait(false);
        var documents = new Dictionary<string, object?>(rows.Count, StringComparer.Ordinal);
        try
        {
            foreach (var (id, json) in rows)
            {
                documents[id] = JsonSerializer.Deserialize(json, setup.DocumentTypeInfo!);
            }
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            // Whatever a document's contract throws (JsonException, or a converter's own exception), the batch loads
            // its documents itself then, where the failure is the batch's and names its events, stream and table.
            return new BatchRead(from, mark, generation, limit, read, null);
        }

        foreach (var envelope in read)
        {
            documents.TryAdd(envelope.StreamId, null);
        }

        return new BatchRead(from, mark, generation, limit, read, documents);
    }

    /// <summary>Starts reading the batch after <paramref name="from"/> on a pooled connection of its own.</summary>
    public void StartReadAhead(long from, long mark, long generation, int limit, CancellationToken abort)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var read = Task.Run(
            async () =>
            {
                var connection = await services.BatchConnections.OpenConnectionAsync(cancel.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var read = await ReadAsync(connection, from, mark, generation, limit, cancel.Token).ConfigureAwait(false);
                    services.Hooks.ReadAheadRead?.Invoke(read);
                    return read;
                }
            },
            CancellationToken.None);
        readAhead = (read, cancel);
    }

    /// <summary>The read ahead once it has finished; null when there is none or it failed (the batch then reads for itself).</summary>
    public async Task<BatchRead?> TakeReadAheadAsync()
    {
        if (readAhead is not { } pending)
        {
            return null;
        }

        readAhead = null;
        await ((Task)pending.Read).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        pending.Cancel.Dispose();
        if (pending.Read.Exception is { InnerException: { } failure })
        {
            DaemonLog.ReadAheadFailed(services.Logger, slot.Name, failure);
        }

        return pending.Read.IsCompletedSuccessfully ? pending.Read.Result : null;
    }

    /// <summary>Cancels and drops the read ahead, if any.</summary>
    public async Task DiscardReadAheadAsync()
    {
        if (readAhead is not { } pending)
        {
            return;
        }

        readAhead = null;
        await pending.Cancel.CancelAsync().ConfigureAwait(false);
        await ((Task)pending.Read).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        pending.Cancel.Dispose();
    }

    /// <summary>
    /// A read ahead's documents were read while the previous batch committed: for the documents that batch wrote, what
    /// it wrote counts (this agent alone writes them while it owns the slot, so every other document is as read).
    /// </summary>
    public BatchRead WithLastWrites(BatchRead ahead)
    {
        if (ahead.Documents is not { } documents || lastWritten is not { } written)
        {
            return ahead;
        }

        try
        {
            foreach (var (id, json) in written)
            {
                if (documents.ContainsKey(id))
                {
                    documents[id] = json is null ? null : JsonSerializer.Deserialize(json, setup.DocumentTypeInfo!);
                }
            }
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            return ahead with { Documents = null };
        }

        return ahead;
    }
}
