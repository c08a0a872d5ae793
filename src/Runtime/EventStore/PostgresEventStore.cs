using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ProjectionGen.Serialization;

namespace ProjectionGen.EventStore;

/// <summary>
/// The event store: appends with optimistic concurrency, reads by global sequence or by stream, and the safe
/// high-water mark up to which a reader may advance without ever skipping an event that commits later.
/// </summary>
/// <remarks>
/// Thread-safe. Each instance keeps the state of its own high-water mark; use one instance per data source and schema.
/// With <see cref="EventStoreOptions.Tenancy"/> conjoined, streams are addressed per tenant through <see cref="ForTenant"/> (docs/tenancy.md).
/// </remarks>
public sealed class PostgresEventStore
{
    private readonly NpgsqlDataSource dataSource;
    private readonly EventTypeRegistry types;
    private readonly EventSerializer serializer;
    private readonly SchemaContext schemaContext;
    private readonly SafeHighWaterMark safeHighWaterMark;
    private readonly HighWaterMarkTracker tracker = new();
    private readonly bool prepareStatements;
    private readonly string appendSql;
    private readonly string readAllSql;
    private readonly string readAllOfTypesSql;
    private readonly string readStreamSql;
    private readonly Func<int, (string All, string Typed)> shardReadSql;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, (string All, string Typed)> shardReads = new();
    private readonly string readStreamUpToSql;
    private readonly TenancyStyle tenancy;
    private readonly string appendTenantSql;
    private readonly string readTenantStreamSql;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> keyReads = new(StringComparer.Ordinal);

    /// <summary>Creates the store. Nothing is sent to the database until a method is called.</summary>
    /// <param name="dataSource">Where the store's connections come from.</param>
    /// <param name="options">The store's settings; <see cref="EventStoreOptions.Schema"/> is validated here.</param>
    /// <param name="types">The event types that may be appended and read.</param>
    /// <exception cref="ArgumentException">The schema name is not a valid identifier, or too long for the notification channel name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EventStoreOptions.Tenancy"/> is not a defined <see cref="TenancyStyle"/>.</exception>
    public PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options, EventTypeRegistry types)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxEventBytes, "EventStoreOptions.MaxEventBytes");

        var schema = PostgresIdentifier.Parse(options.Schema, "EventStoreOptions.Schema");
        var channelName = schema.Value + "_events";
        if (!PostgresIdentifier.IsValid(channelName))
        {
            throw new ArgumentException(
                $"EventStoreOptions.Schema '{schema.Value}' is too long: the notification channel '{channelName}' must fit in 63 characters, so use at most 56.",
                nameof(options));
        }

        this.dataSource = dataSource;
        this.types = types;
        serializer = new EventSerializer(types, options.SerializerOptions ?? DefaultJsonOptions.Create(types.JsonContracts), options.MaxEventBytes);
        schemaContext = new SchemaContext(schema, Locking.AdvisoryLockKey.ForAppendMarker(schema.Value).Value, PostgresIdentifier.Parse(channelName, "EventStoreOptions.Schema"));
        prepareStatements = options.PrepareStatements;
        safeHighWaterMark = new SafeHighWaterMark(schema, schemaContext.AppendMarkerKey, prepareStatements);

        appendSql = $"SELECT first_seq, last_seq, new_version FROM {schema.Qualify("append_events")}($1, $2, $3, $4, $5, $6, $7, $8)";
        if (options.Tenancy is not (TenancyStyle.None or TenancyStyle.Conjoined))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Tenancy, "EventStoreOptions.Tenancy is None or Conjoined.");
        }

        tenancy = options.Tenancy;

        // A conjoined store's statements (schema version 14, docs/tenancy.md); a store without tenancy never sends them.
        appendTenantSql = $"SELECT first_seq, last_seq, new_version FROM {schema.Qualify("append_tenant_events")}($1, $2, $3, $4, $5, $6, $7, $8)";
        const string columns = ReadColumns;
        var events = schema.Qualify("events");
        readAllSql = $"SELECT {columns} FROM {events} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";

        // Per type, the first $3 events in (after, up to] from the (type, seq) index, then the first $3 of those: at
        // most types x limit index entries and rows, however rare a type is and however far behind the reader. The
        // range is written as row comparisons on (type, seq), which only that index can serve, in that index's order:
        // with "type = t.type AND seq > $1 ... ORDER BY seq" a planner whose statistics take the type for a common one
        // walks the primary key and filters on type, which for a rare type reads every event up to the mark.
        readAllOfTypesSql = $"""
            SELECT {OuterReadColumns}
            FROM (SELECT DISTINCT unnest($4::text[]) AS type) t
            CROSS JOIN LATERAL (
              SELECT {columns} FROM {events} x
              WHERE (x.type, x.seq) > (t.type, $1) AND (x.type, x.seq) <= (t.type, $2)
              ORDER BY x.type, x.seq LIMIT $3) e
            ORDER BY e.seq LIMIT $3
            """;
        readStreamSql = $"SELECT {columns} FROM {events} WHERE stream_id = $1 ORDER BY version";

        // The shard count is written into the statement, not passed: only then does the planner match the expression
        // index ((stream_hash % count), type, seq) that EventStoreSchema.ShardIndexSql creates. The typed read (the
        // daemon's) walks it per type as the unsharded typed read walks (type, seq): it reads only its shard's rows of
        // its types, at most types x limit of them.
        shardReadSql = count => (
            $"SELECT {columns} FROM {events} WHERE (stream_hash % {count}) = $4 AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            $"""
            SELECT {OuterReadColumns}
            FROM (SELECT DISTINCT unnest($5::text[]) AS type) t
            CROSS JOIN LATERAL (
              SELECT {columns} FROM {events} x
              WHERE (x.stream_hash % {count}) = $4 AND (x.type, x.seq) > (t.type, $1) AND (x.type, x.seq) <= (t.type, $2)
              ORDER BY x.type, x.seq LIMIT $3) e
            ORDER BY e.seq LIMIT $3
            """);

        readStreamUpToSql = $"SELECT {columns} FROM {events} WHERE stream_id = $1 AND version <= $2 ORDER BY version";
        readTenantStreamSql = $"SELECT {columns} FROM {events} WHERE stream_id = $1 AND version <= $2 AND tenant_id = $3 ORDER BY version";
    }

    private const string ReadColumns = "seq, stream_id, version, type, data, \"timestamp\", correlation_id, causation_id, tenant_id";
    private const string OuterReadColumns = "e.seq, e.stream_id, e.version, e.type, e.data, e.\"timestamp\", e.correlation_id, e.causation_id, e.tenant_id";

    /// <summary>How the store separates tenants (<see cref="EventStoreOptions.Tenancy"/>).</summary>
    public TenancyStyle Tenancy => tenancy;

    /// <summary>
    /// The store seen by one tenant of a conjoined store: its appends, stream reads and live aggregation address that
    /// tenant's streams only (docs/tenancy.md).
    /// </summary>
    /// <param name="tenantId">The tenant; validated by <see cref="TenantIds.Validate"/>.</param>
    /// <exception cref="ArgumentException">The tenant id is not valid.</exception>
    /// <exception cref="InvalidOperationException">The store's <see cref="Tenancy"/> is not <see cref="TenancyStyle.Conjoined"/>.</exception>
    public TenantEventStore ForTenant(string tenantId)
    {
        var tenant = TenantIds.Validate(tenantId, nameof(tenantId));
        if (tenancy != TenancyStyle.Conjoined)
        {
            throw new InvalidOperationException(
                $"The event store of schema '{Schema}' has no tenancy: set EventStoreOptions.Tenancy = TenancyStyle.Conjoined to address streams per tenant (docs/tenancy.md).");
        }

        return new TenantEventStore(this, tenant);
    }

    /// <summary>The event types this store appends and reads.</summary>
    public EventTypeRegistry Types => types;

    /// <summary>The validated schema name.</summary>
    public string Schema => schemaContext.Schema.Value;

    /// <summary>The channel notified (<c>pg_notify</c>, payload: the last sequence number) by every committed append; <c>LISTEN</c> to it quoted.</summary>
    public string NotificationChannel => schemaContext.NotificationChannel.Value;

    /// <summary>The advisory-lock key every append holds shared until its transaction ends.</summary>
    internal long AppendMarkerKey => schemaContext.AppendMarkerKey;

    /// <summary>The validated names the schema's migrations use (<see cref="EventStoreSchema"/>).</summary>
    internal SchemaContext SchemaContext => schemaContext;

    /// <summary>The statement of a type-filtered read (parameters: after, up to, limit, type names); for tests that inspect its plan.</summary>
    internal string ReadAllOfTypesSql => readAllOfTypesSql;

    /// <summary>The data source the store uses.</summary>
    internal NpgsqlDataSource DataSource => dataSource;

    /// <summary>Whether the store prepares its statements (<see cref="EventStoreOptions.PrepareStatements"/>).</summary>
    internal bool PrepareStatements => prepareStatements;

    /// <summary>
    /// Creates or upgrades the schema to the latest version. Idempotent and safe to run from many nodes at once: the
    /// versioned steps run in one transaction under a transaction-level advisory lock.
    /// </summary>
    public async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await EventStoreSchema.ApplyAsync(connection, schemaContext, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Appends events to a stream identified by a <see cref="Guid"/> (stored as its lower-case "D" form).</summary>
    /// <inheritdoc cref="AppendAsync(string, IReadOnlyList{object}, ExpectedVersion, AppendMetadata?, CancellationToken)"/>
    public Task<AppendResult> AppendAsync(Guid streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata = null, CancellationToken cancellationToken = default) =>
        AppendAsync(streamId.ToString("D"), events, expected, metadata, cancellationToken);

    /// <summary>
    /// Appends events to a stream in one transaction and one round trip, creating the stream if needed, and notifies
    /// <see cref="NotificationChannel"/> on commit. Either every event is written or none.
    /// </summary>
    /// <param name="streamId">The stream; not empty.</param>
    /// <param name="events">One or more events of registered types.</param>
    /// <param name="expected">The version the stream must be at.</param>
    /// <param name="metadata">Metadata stored with every event.</param>
    /// <param name="cancellationToken">Cancels the append (nothing is written unless it committed).</param>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> or <paramref name="streamId"/> is null.</exception>
    /// <exception cref="ArgumentException">No events; an event is null, of an unregistered type, not serializable, larger than <see cref="EventStoreOptions.MaxEventBytes"/>, or its JSON is refused by PostgreSQL's jsonb (a <c>\u0000</c> in a string).</exception>
    /// <exception cref="ConcurrencyException">The stream is not at <paramref name="expected"/>.</exception>
    /// <exception cref="InvalidOperationException">The store is conjoined (<see cref="Tenancy"/>): append through <see cref="ForTenant"/>.</exception>
    public async Task<AppendResult> AppendAsync(string streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata = null, CancellationToken cancellationToken = default)
    {
        EnsureNoTenancy("append to");
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await AppendAsync(connection, null, streamId, events, expected, metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Appends to a stream of <paramref name="tenant"/> on a connection of the store's data source.</summary>
    internal async Task<AppendResult> AppendAsync(string tenant, string streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await AppendAsync(connection, tenant, streamId, events, expected, metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Appends on an open connection, inside its current transaction if it has one (the events then commit or roll
    /// back with it, and the high-water mark waits for it); otherwise as its own transaction.
    /// </summary>
    internal Task<AppendResult> AppendAsync(NpgsqlConnection connection, string streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata, CancellationToken cancellationToken)
    {
        EnsureNoTenancy("append to");
        return AppendAsync(connection, null, streamId, events, expected, metadata, cancellationToken);
    }

    /// <summary>Appends events to a stream of <paramref name="tenant"/> (a conjoined store) or to a stream without a tenant (<see langword="null"/>).</summary>
    internal async Task<AppendResult> AppendAsync(NpgsqlConnection connection, string? tenant, string streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        var typeNames = new string[events.Count];
        var bodies = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            (typeNames[i], bodies[i]) = serializer.Serialize(events[i], i, nameof(events));
        }

        await using var command = new NpgsqlCommand(tenant is null ? appendSql : appendTenantSql, connection);
        if (tenant is not null)
        {
            // append_tenant_events: the tenant first; the events' tenant_id is the stream's tenant.
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant, NpgsqlDbType = NpgsqlDbType.Text });
        }

        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(Nullable(metadata?.StreamType, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(expected.Version, NpgsqlDbType.Bigint));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = typeNames, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = bodies, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(Nullable(metadata?.CorrelationId, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(metadata?.CausationId, NpgsqlDbType.Text));
        if (tenant is null)
        {
            command.Parameters.Add(Nullable(metadata?.TenantId, NpgsqlDbType.Text));
        }

        try
        {
            await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new AppendResult(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        catch (PostgresException e) when (e.SqlState == SchemaContext.ConcurrencySqlState)
        {
            var actual = long.TryParse(e.Hint, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;
            throw tenant is null ? new ConcurrencyException(streamId, expected, actual, e) : new ConcurrencyException(tenant, streamId, expected, actual, e);
        }
        catch (PostgresException e) when (e.SqlState is "22P05" or "22P02")
        {
            // untranslatable_character (a \u0000 in a JSON string) or invalid_text_representation: jsonb refused a body.
            throw new ArgumentException($"PostgreSQL refused an event body of the append to stream '{streamId}'{(tenant is null ? "" : $" of tenant '{tenant}'")}: {e.MessageText}. Nothing was appended.", nameof(events), e);
        }
        catch (PostgresException e) when (IsMissingSchema(e))
        {
            throw MissingSchema(e);
        }
    }

    /// <summary>Reads the safe high-water mark on a connection of the store's data source.</summary>
    /// <inheritdoc cref="ReadSafeHighWaterMarkAsync(NpgsqlConnection, CancellationToken)"/>
    public async Task<long> ReadSafeHighWaterMarkAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadSafeHighWaterMarkAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the safe high-water mark: the highest sequence number S such that every event up to S that will ever
    /// commit has committed. It never decreases for this instance while the database keeps its history; after the
    /// database went back in time (a failover to a standby that missed commits, a restore) or the connection reaches
    /// another server, it starts over from what that server says, and may then be lower than before. An append still in
    /// flight holds it below that append's numbers until it ends; a rolled-back append's numbers are passed once it has
    /// ended; a session that is not appending never holds it back. The algorithm and its argument are documented on
    /// <see cref="SafeHighWaterMark"/>.
    /// </summary>
    /// <param name="connection">An open connection, not inside a REPEATABLE READ or SERIALIZABLE transaction whose events are read afterwards.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The mark; 0 while no event is safe.</returns>
    public async Task<long> ReadSafeHighWaterMarkAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return (await ReadSafeMarkAsync(connection, cancellationToken).ConfigureAwait(false)).Mark;
    }

    /// <summary>
    /// How many times this instance's mark started over because the database went back in time: a mark read earlier
    /// is only to be reused while this has not changed.
    /// </summary>
    internal long MarkGeneration => tracker.Generation;

    /// <summary>The safe high-water mark this instance reached so far (0 before its first reading); no query.</summary>
    internal long KnownHighWaterMark => tracker.Mark;

    /// <summary>Reads the safe high-water mark together with the <see cref="MarkGeneration"/> it belongs to.</summary>
    internal async Task<(long Mark, long Generation)> ReadSafeMarkAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await safeHighWaterMark.ReadAsync(connection, tracker, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (IsMissingSchema(e))
        {
            throw MissingSchema(e);
        }
    }

    /// <summary>Reads events by global sequence on a connection of the store's data source.</summary>
    /// <inheritdoc cref="ReadAllAsync(NpgsqlConnection, long, long, int, IReadOnlyCollection{string}?, CancellationToken)"/>
    public async Task<IReadOnlyList<EventEnvelope>> ReadAllAsync(long afterSequence, long upToSequence, int maxCount, IReadOnlyCollection<string>? eventTypes, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAllAsync(connection, afterSequence, upToSequence, maxCount, eventTypes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads up to <paramref name="maxCount"/> events with <paramref name="afterSequence"/> &lt; sequence &lt;=
    /// <paramref name="upToSequence"/>, in sequence order. Pass a safe high-water mark as <paramref name="upToSequence"/>.
    /// Events stored under an old shape are upcast to the current type (<see cref="EventTypeRegistry.AddUpcasters"/>).
    /// An event whose type is unknown or whose body fails to deserialize is returned with
    /// <see cref="EventEnvelope.Data"/> null and the reason in <see cref="EventEnvelope.DeserializationError"/>.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="afterSequence">Read events after this sequence number (the reader's position).</param>
    /// <param name="upToSequence">Read events up to and including this sequence number.</param>
    /// <param name="maxCount">The batch limit; positive.</param>
    /// <param name="eventTypes">Only these stored type names; <see langword="null"/> for all, empty for none.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<IReadOnlyList<EventEnvelope>> ReadAllAsync(NpgsqlConnection connection, long afterSequence, long upToSequence, int maxCount, IReadOnlyCollection<string>? eventTypes, CancellationToken cancellationToken) =>
        ReadAllAsync(connection, afterSequence, upToSequence, maxCount, eventTypes, null, cancellationToken);

    /// <summary>As the public overload, restricted to the streams of one shard when <paramref name="shard"/> is given.</summary>
    internal async Task<IReadOnlyList<EventEnvelope>> ReadAllAsync(NpgsqlConnection connection, long afterSequence, long upToSequence, int maxCount, IReadOnlyCollection<string>? eventTypes, ShardFilter? shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        if (upToSequence <= afterSequence || eventTypes is { Count: 0 })
        {
            return [];
        }

        await using var command = new NpgsqlCommand(ReadSql(eventTypes, shard), connection);
        AddReadParameters(command.Parameters, afterSequence, upToSequence, maxCount, eventTypes, shard);
        return await ReadEnvelopesAsync(command, Math.Min(maxCount, 1024), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ReadAllAsync(NpgsqlConnection, long, long, int, IReadOnlyCollection{string}?, ShardFilter?, CancellationToken)"/>,
    /// and in the same round trip a second statement that <paramref name="followingSql"/> builds around the read's
    /// statement (it gets the read as a subquery and the same parameters), whose rows of two text columns are returned
    /// as they come. The daemon loads an aggregate's documents this way, keyed by the streams of the events it reads.
    /// Both statements see the same events: every event up to a safe mark has committed and stays.
    /// </summary>
    internal async Task<(IReadOnlyList<EventEnvelope> Events, List<KeyValuePair<string, string>> Rows)> ReadAllWithAsync(
        NpgsqlConnection connection, long afterSequence, long upToSequence, int maxCount, IReadOnlyCollection<string>? eventTypes, ShardFilter? shard,
        Func<string, string> followingSql, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        if (upToSequence <= afterSequence || eventTypes is { Count: 0 })
        {
            return ([], []);
        }

        var sql = ReadSql(eventTypes, shard);
        await using var batch = new NpgsqlBatch(connection);
        var read = new NpgsqlBatchCommand(sql);
        AddReadParameters(read.Parameters, afterSequence, upToSequence, maxCount, eventTypes, shard);
        // The second statement gets the read with only the columns it needs: the same rows, without sorting the bodies.
        var following = new NpgsqlBatchCommand(followingSql(keyReads.GetOrAdd(sql, static read => read.Replace(ReadColumns, "seq, stream_id", StringComparison.Ordinal).Replace(OuterReadColumns, "e.seq, e.stream_id", StringComparison.Ordinal))));
        AddReadParameters(following.Parameters, afterSequence, upToSequence, maxCount, eventTypes, shard);
        batch.BatchCommands.Add(read);
        batch.BatchCommands.Add(following);
        var envelopes = new List<EventEnvelope>(Math.Min(maxCount, 1024));
        var rows = new List<KeyValuePair<string, string>>();
        try
        {
            if (prepareStatements)
            {
                await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await ReadEnvelopeRowsAsync(reader, envelopes, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new(reader.GetString(0), reader.GetString(1)));
            }
        }
        catch (PostgresException e) when (IsMissingSchema(e))
        {
            throw MissingSchema(e);
        }

        return (envelopes, rows);
    }

    private string ReadSql(IReadOnlyCollection<string>? eventTypes, ShardFilter? shard) => shard is { } filter
        ? ShardReadSql(filter.Count, eventTypes is not null)
        : eventTypes is null ? readAllSql : readAllOfTypesSql;

    private static void AddReadParameters(NpgsqlParameterCollection parameters, long afterSequence, long upToSequence, int maxCount, IReadOnlyCollection<string>? eventTypes, ShardFilter? shard)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSequence, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount, NpgsqlDbType = NpgsqlDbType.Integer });
        if (shard is { } selected)
        {
            parameters.Add(new NpgsqlParameter<int> { TypedValue = selected.Index, NpgsqlDbType = NpgsqlDbType.Integer });
        }

        if (eventTypes is not null)
        {
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. eventTypes], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }
    }

    /// <summary>The read statement of a shard of <paramref name="count"/> ($1 after, $2 up to, $3 limit, $4 shard[, $5 types]).</summary>
    internal string ShardReadSql(int count, bool typed)
    {
        var statements = shardReads.GetOrAdd(count, shardReadSql);
        return typed ? statements.Typed : statements.All;
    }

    /// <summary>Reads every event of a stream in version order, upcast to the current types; empty when the stream does not exist.</summary>
    /// <param name="streamId">The stream; not empty.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidOperationException">The store is conjoined (<see cref="Tenancy"/>): read through <see cref="ForTenant"/>.</exception>
    public async Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(string streamId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        EnsureNoTenancy("read");
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(readStreamSql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId, NpgsqlDbType = NpgsqlDbType.Text });
            return await ReadEnvelopesAsync(command, 16, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the events of a stream up to and including <paramref name="upToVersion"/>, in version order.</summary>
    internal Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(string streamId, long upToVersion, CancellationToken cancellationToken)
    {
        EnsureNoTenancy("read");
        return ReadStreamAsync(null, streamId, upToVersion, cancellationToken);
    }

    /// <summary>Reads the events of a stream of <paramref name="tenant"/> (or without a tenant: <see langword="null"/>) up to and including <paramref name="upToVersion"/>, in version order.</summary>
    internal async Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(string? tenant, string streamId, long upToVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(tenant is null ? readStreamUpToSql : readTenantStreamSql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToVersion, NpgsqlDbType = NpgsqlDbType.Bigint });
            if (tenant is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant, NpgsqlDbType = NpgsqlDbType.Text });
            }

            return await ReadEnvelopesAsync(command, 16, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads every event of a stream identified by a <see cref="Guid"/>.</summary>
    /// <inheritdoc cref="ReadStreamAsync(string, CancellationToken)"/>
    public Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(Guid streamId, CancellationToken cancellationToken) =>
        ReadStreamAsync(streamId.ToString("D"), cancellationToken);

    private async Task<IReadOnlyList<EventEnvelope>> ReadEnvelopesAsync(NpgsqlCommand command, int capacity, CancellationToken cancellationToken)
    {
        var envelopes = new List<EventEnvelope>(capacity);
        try
        {
            await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await ReadEnvelopeRowsAsync(reader, envelopes, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (IsMissingSchema(e))
        {
            throw MissingSchema(e);
        }

        return envelopes;
    }

    private async Task ReadEnvelopeRowsAsync(NpgsqlDataReader reader, List<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var typeName = reader.GetString(3);
            var (data, error) = serializer.Deserialize(typeName, reader.GetString(4));
            envelopes.Add(new EventEnvelope(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                typeName,
                data,
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                error));
        }
    }

    // Npgsql keeps prepared statements on the physical connection across pooled opens: parsed once per connection.
    private Task PrepareAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        prepareStatements ? command.PrepareAsync(cancellationToken) : Task.CompletedTask;

    // A conjoined store's stream is (tenant, id): an operation on a stream without its tenant would address the wrong one.
    private void EnsureNoTenancy(string operation)
    {
        if (tenancy == TenancyStyle.Conjoined)
        {
            throw new InvalidOperationException(
                $"The event store of schema '{Schema}' is conjoined (EventStoreOptions.Tenancy): a stream belongs to a tenant, so {operation} it through store.ForTenant(tenantId) (docs/tenancy.md).");
        }
    }

    private static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type) =>
        new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = type };

    // undefined_table, undefined_function, invalid_schema_name
    private static bool IsMissingSchema(PostgresException e) => e.SqlState is "42P01" or "42883" or "3F000";

    private InvalidOperationException MissingSchema(PostgresException e) =>
        new($"The event store schema '{Schema}' is missing or out of date: call ApplySchemaAsync first. ({e.SqlState}: {e.MessageText})", e);
}
