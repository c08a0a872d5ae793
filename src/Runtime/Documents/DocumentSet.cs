using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;

namespace ProjectionGen.Documents;

/// <summary>
/// An aggregate projection's documents for one batch: the batch's streams (or, for a multi-stream projection, the
/// routed document ids) are loaded in one query and the changed documents are written back in two set-based
/// statements (one upsert over arrays, one delete) in the commit round trip. On a conjoined store's table the set
/// belongs to one tenant (docs/tenancy.md): it reads, writes and deletes only that tenant's rows.
/// </summary>
internal sealed class DocumentSet<TDocument> : IDocumentSet<TDocument>, IBatchDocuments where TDocument : class
{
    private readonly DocumentTable table;
    private readonly JsonTypeInfo<TDocument> typeInfo;
    private readonly IReadOnlyList<EventEnvelope> events;
    private readonly NpgsqlConnection connection;
    private readonly Dictionary<string, TDocument?> documents = new(StringComparer.Ordinal);
    private readonly HashSet<string> changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> requested = new(StringComparer.Ordinal);
    private readonly string? tenant;

    /// <param name="table">The projection's document table.</param>
    /// <param name="typeInfo">The document's JSON contract.</param>
    /// <param name="events">The batch's events (of <paramref name="tenant"/> only, on a conjoined table).</param>
    /// <param name="connection">The batch connection.</param>
    /// <param name="preloaded">The documents read with the events, or <see langword="null"/>.</param>
    /// <param name="tenant">The tenant whose documents these are: required to load or write on a conjoined table, ignored otherwise.</param>
    public DocumentSet(DocumentTable table, JsonTypeInfo<TDocument> typeInfo, IReadOnlyList<EventEnvelope> events, NpgsqlConnection connection, IReadOnlyDictionary<string, object?>? preloaded = null, string? tenant = null)
    {
        this.tenant = table.Conjoined ? tenant : null;
        this.table = table;
        this.typeInfo = typeInfo;
        this.events = events;
        this.connection = connection;
        if (preloaded is not null)
        {
            // Read with the batch's events (null: the stream has no document yet); LoadAsync loads only what is not here.
            foreach (var (id, document) in preloaded)
            {
                requested.Add(id);
                documents[id] = (TDocument?)document;
            }
        }
    }

    /// <summary>The documents the commit wrote: id → the JSON stored, or null when deleted; null before the commit.</summary>
    public IReadOnlyDictionary<string, string?>? Written { get; private set; }

    public ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var envelope in events)
        {
            ids.Add(envelope.StreamId);
        }

        return LoadAsync(ids, cancellationToken);
    }

    public async ValueTask LoadAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documentIds);

        // Only ids not loaded before: a document changed by this batch is never overwritten by its stored version.
        var missing = new List<string>(documentIds.Count);
        foreach (var id in documentIds)
        {
            if (requested.Add(id))
            {
                missing.Add(id);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(table.SelectSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. missing], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        AddTenant(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // jsonb arrives in its binary wire format (a version byte, then text); Npgsql's string reader strips it.
            var id = reader.GetString(0);
            try
            {
                documents[id] = JsonSerializer.Deserialize(reader.GetString(1), typeInfo);
            }
            catch (JsonException e)
            {
                // Fails the batch; the agent finds the event whose stream it is and applies the poison-event policy.
                throw new JsonException(
                    $"The document of stream '{id}'{(tenant is null ? "" : $" of tenant '{tenant}'")} in {table.QuotedName} cannot be read as {typeof(TDocument).Name}: {e.Message}",
                    e.Path,
                    e.LineNumber,
                    e.BytePositionInLine,
                    e);
            }
        }
    }

    public TDocument? Find(string id)
    {
        EnsureLoaded(id);
        return documents.GetValueOrDefault(id);
    }

    public void Store(string id, TDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        EnsureLoaded(id);
        documents[id] = document;
        changed.Add(id);
    }

    public void Delete(string id)
    {
        EnsureLoaded(id);
        documents[id] = null;
        changed.Add(id);
    }

    public void AddCommitCommands(NpgsqlBatch batch, long lastSequence)
    {
        if (changed.Count == 0)
        {
            return;
        }

        var upsertIds = new List<string>(changed.Count);
        var upsertData = new List<string>(changed.Count);
        var deleteIds = new List<string>();
        var written = new Dictionary<string, string?>(changed.Count, StringComparer.Ordinal);
        foreach (var id in changed)
        {
            if (documents[id] is { } document)
            {
                var json = JsonSerializer.Serialize(document, typeInfo);
                upsertIds.Add(id);
                upsertData.Add(json);
                written[id] = json;
            }
            else
            {
                deleteIds.Add(id);
                written[id] = null;
            }
        }

        Written = written;

        if (upsertIds.Count > 0)
        {
            var upsert = new NpgsqlBatchCommand(table.UpsertSql);
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upsertIds], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upsertData], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastSequence });
            AddTenant(upsert.Parameters);
            batch.BatchCommands.Add(upsert);
        }

        if (deleteIds.Count > 0)
        {
            var delete = new NpgsqlBatchCommand(table.DeleteSql);
            delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deleteIds], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            AddTenant(delete.Parameters);
            batch.BatchCommands.Add(delete);
        }
    }

    // A conjoined table's statements take the tenant last: never a document of another tenant, never one without.
    private void AddTenant(NpgsqlParameterCollection parameters)
    {
        if (!table.Conjoined)
        {
            return;
        }

        if (tenant is null)
        {
            throw new InvalidOperationException(
                $"The documents in {table.QuotedName} are kept per tenant (a conjoined store, docs/tenancy.md), but this batch's document set has no tenant.");
        }

        parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant, NpgsqlDbType = NpgsqlDbType.Text });
    }

    // A document the batch did not load would look absent: Create would then overwrite the stored one.
    private void EnsureLoaded(string id)
    {
        if (!requested.Contains(id))
        {
            throw new InvalidOperationException($"Document '{id}' was not loaded: call LoadAsync with its id before reading or changing it.");
        }
    }
}
