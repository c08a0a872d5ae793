using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace ProjectionGen.Daemon;

/// <summary>
/// An aggregate projection's documents for one batch: the batch's streams are loaded in one query and the changed
/// documents are written back in two set-based statements (one upsert over arrays, one delete) in the commit round trip.
/// </summary>
internal sealed class DocumentSet<TDocument> : IDocumentSet<TDocument>, IBatchDocuments where TDocument : class
{
    private readonly DocumentTable table;
    private readonly JsonTypeInfo<TDocument> typeInfo;
    private readonly IReadOnlyList<EventEnvelope> events;
    private readonly NpgsqlConnection connection;
    private readonly Dictionary<string, TDocument?> documents = new(StringComparer.Ordinal);
    private readonly HashSet<string> changed = new(StringComparer.Ordinal);
    private bool loaded;

    public DocumentSet(DocumentTable table, JsonTypeInfo<TDocument> typeInfo, IReadOnlyList<EventEnvelope> events, NpgsqlConnection connection)
    {
        this.table = table;
        this.typeInfo = typeInfo;
        this.events = events;
        this.connection = connection;
    }

    public async ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        if (loaded)
        {
            return;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var envelope in events)
        {
            ids.Add(envelope.StreamId);
        }

        loaded = true;
        if (ids.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(table.SelectSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
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
                    $"The document of stream '{id}' in {table.QuotedName} cannot be read as {typeof(TDocument).Name}: {e.Message}",
                    e.Path,
                    e.LineNumber,
                    e.BytePositionInLine,
                    e);
            }
        }
    }

    public TDocument? Find(string streamId)
    {
        EnsureLoaded();
        return documents.GetValueOrDefault(streamId);
    }

    public void Store(string streamId, TDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        EnsureLoaded();
        documents[streamId] = document;
        changed.Add(streamId);
    }

    public void Delete(string streamId)
    {
        EnsureLoaded();
        documents[streamId] = null;
        changed.Add(streamId);
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
        foreach (var id in changed)
        {
            if (documents[id] is { } document)
            {
                upsertIds.Add(id);
                upsertData.Add(JsonSerializer.Serialize(document, typeInfo));
            }
            else
            {
                deleteIds.Add(id);
            }
        }

        if (upsertIds.Count > 0)
        {
            var upsert = new NpgsqlBatchCommand(table.UpsertSql);
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upsertIds], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upsertData], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastSequence });
            batch.BatchCommands.Add(upsert);
        }

        if (deleteIds.Count > 0)
        {
            var delete = new NpgsqlBatchCommand(table.DeleteSql);
            delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deleteIds], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(delete);
        }
    }

    private void EnsureLoaded()
    {
        if (!loaded)
        {
            throw new InvalidOperationException("Call LoadAsync before reading or changing the batch's documents.");
        }
    }
}
