using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;

namespace ProjectionGen.Operations;

/// <summary>
/// Imports events from JSON lines through <c>{schema}.append_events</c>, the function every append goes through, with
/// their bodies as raw JSON: events of types no longer in the code can be written, since nothing is deserialized
/// (docs/operations.md, "Importing events from JSON lines").
/// </summary>
/// <remarks>
/// One event per line (blank lines are skipped). Consecutive lines of one stream with the same stream type, correlation,
/// causation and tenant go in one <c>append_events</c> call; a line with an <c>expectedVersion</c> starts a new call,
/// whose version check it carries. Each <see cref="EventImportOptions.EventsPerTransaction"/> events are read and parsed
/// first, then written in one transaction, its calls sent as one batch (one round trip), so a slow input never keeps a
/// transaction open (an open append holds back the safe high-water mark, docs/daemon.md). A bad line, or a call <c>append_events</c> refuses, rolls back its whole transaction and stops the import
/// with an <see cref="EventImportException"/> naming the line; the transactions before it stay committed (reported in
/// <see cref="EventImportException.Committed"/>). Cancellation also rolls back the open transaction only.
/// </remarks>
public sealed class ProjectionEventImporter
{
    private readonly PostgresEventStore store;
    private readonly string appendSql;

    /// <summary>Creates an importer on <paramref name="store"/>'s connections and schema.</summary>
    public ProjectionEventImporter(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        appendSql = $"SELECT last_seq FROM {schema.Qualify("append_events")}($1, $2, $3, $4, $5, $6, $7, $8)";
    }

    /// <summary>Imports the JSON lines of <paramref name="stream"/> (UTF-8, a byte order mark allowed); see the class remarks.</summary>
    /// <inheritdoc cref="ImportAsync(TextReader, EventImportOptions?, IProgress{EventImportResult}?, CancellationToken)"/>
    public async Task<EventImportResult> ImportAsync(Stream stream, EventImportOptions? options = null, IProgress<EventImportResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return await ImportAsync(reader, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Imports the JSON lines of <paramref name="lines"/>; see the class remarks.</summary>
    /// <param name="lines">The lines, read to their end.</param>
    /// <param name="options">The transaction size and the largest body; the defaults when <see langword="null"/>.</param>
    /// <param name="progress">Told what is committed after each commit.</param>
    /// <param name="cancellationToken">Stops the import; the open transaction rolls back.</param>
    /// <returns>What was committed: every event of the input.</returns>
    /// <exception cref="EventImportException">A line is not an event, or <c>append_events</c> refused it (a wrong expected version, a body PostgreSQL's jsonb refuses).</exception>
    /// <exception cref="InvalidOperationException">The store is conjoined (docs/tenancy.md): its streams are appended per tenant, not through <c>append_events</c>.</exception>
    public async Task<EventImportResult> ImportAsync(TextReader lines, EventImportOptions? options = null, IProgress<EventImportResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        options ??= new EventImportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventsPerTransaction, 1, "EventImportOptions.EventsPerTransaction");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEventBytes, 1, "EventImportOptions.MaxEventBytes");
        if (store.Tenancy != TenancyStyle.None)
        {
            throw new InvalidOperationException("The store is conjoined (docs/tenancy.md): the import writes through append_events, which conjoined streams do not go through.");
        }

        var committed = EventImportResult.None;
        var streams = new HashSet<(string?, string)>();
        var lineNumber = 0L;
        while (true)
        {
            // One transaction's lines are read and parsed before it begins: a slow input never keeps a transaction (and
            // the append marker it holds, which holds back the safe high-water mark) open.
            var pending = new Transaction(lineNumber + 1);
            var calls = new List<Call>();
            Call? call = null;
            var end = false;
            while (pending.Events < options.EventsPerTransaction)
            {
                var line = await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line is null)
                {
                    end = true;
                    break;
                }

                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                ImportedEvent imported;
                try
                {
                    imported = ImportedEvent.Parse(line, options.MaxEventBytes);
                }
                catch (FormatException e)
                {
                    throw Failure(string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber}: {e.Message}."), lineNumber, pending.FirstLine, lineNumber, committed, e);
                }

                if (call is not null && !imported.Continues(call.First))
                {
                    calls.Add(call);
                    call = null;
                }

                call ??= new Call(imported, lineNumber);
                call.Add(imported, lineNumber);
                pending.Events++;
                pending.Streams.Add((imported.Tenant, imported.Stream));
                pending.LastLine = lineNumber;
            }

            if (call is not null)
            {
                calls.Add(call);
            }

            if (calls.Count > 0)
            {
                var lastSequence = await WriteAsync(calls, pending, committed, cancellationToken).ConfigureAwait(false);
                streams.UnionWith(pending.Streams);
                committed = new EventImportResult(
                    committed.Events + pending.Events,
                    streams.Count,
                    committed.Calls + calls.Count,
                    committed.Transactions + 1,
                    pending.LastLine,
                    lastSequence);
                progress?.Report(committed);
            }

            if (end)
            {
                return committed;
            }
        }
    }

    /// <summary>Writes one transaction's calls in one batch (one round trip) and commits; returns the last sequence written.</summary>
    private async Task<long> WriteAsync(List<Call> calls, Transaction pending, EventImportResult committed, CancellationToken cancellationToken)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                foreach (var call in calls)
                {
                    batch.BatchCommands.Add(Command(call));
                }

                // Each call returns one result: the one being read when an error surfaces is the call that failed (the
                // failed statement is not on the exception unless the connection string asks for it).
                var last = 0L;
                var index = 0;
                try
                {
                    await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        while (true)
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                last = reader.GetInt64(0);
                            }

                            index++;
                            if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return last;
                }
                catch (NpgsqlException e)
                {
                    throw Refused(e, index < calls.Count ? calls[index] : null, pending, committed);
                }
            }
        }
    }

    private NpgsqlBatchCommand Command(Call call)
    {
        var first = call.First;
        var command = new NpgsqlBatchCommand(appendSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = first.Stream, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(Nullable(first.StreamType));
        command.Parameters.Add(first.ExpectedVersion is { } expected
            ? new NpgsqlParameter<long> { TypedValue = expected, NpgsqlDbType = NpgsqlDbType.Bigint }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. call.Types], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. call.Bodies], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(Nullable(first.CorrelationId));
        command.Parameters.Add(Nullable(first.CausationId));
        command.Parameters.Add(Nullable(first.Tenant));
        return command;
    }

    /// <summary>The error of a refused transaction, naming the lines of the call that failed when the server says which.</summary>
    private static EventImportException Refused(NpgsqlException error, Call? call, Transaction pending, EventImportResult committed)
    {
        if (call is null)
        {
            return Failure($"Lines {pending.FirstLine}-{pending.LastLine}: the transaction failed: {(error is PostgresException p ? $"{p.MessageText} (SQLSTATE {p.SqlState})" : error.Message)}", pending.FirstLine, pending.FirstLine, pending.LastLine, committed, error);
        }

        var stream = call.First.Stream;
        var lines = call.FirstLine == call.LastLine
            ? string.Create(CultureInfo.InvariantCulture, $"Line {call.FirstLine}")
            : string.Create(CultureInfo.InvariantCulture, $"Lines {call.FirstLine}-{call.LastLine}");
        var what = error switch
        {
            PostgresException e when e.SqlState == SchemaContext.ConcurrencySqlState =>
                string.Create(CultureInfo.InvariantCulture, $"{lines}: stream '{stream}' is at version {e.Hint}, not the expected {call.First.ExpectedVersion}."),
            PostgresException e => $"{lines}: append_events refused the events of stream '{stream}': {e.MessageText} (SQLSTATE {e.SqlState}).",
            _ => $"{lines}: the append to stream '{stream}' failed: {error.Message}",
        };
        return Failure(what, call.FirstLine, pending.FirstLine, pending.LastLine, committed, error);
    }

    private static EventImportException Failure(string what, long lineNumber, long firstLine, long lastLine, EventImportResult committed, Exception inner)
    {
        var before = committed.Events == 0
            ? "nothing was committed before it"
            : string.Create(CultureInfo.InvariantCulture, $"the {committed.Events} events of lines 1-{committed.LastLine} were committed before it ({committed.Transactions} transactions)");
        return new EventImportException(
            string.Create(CultureInfo.InvariantCulture, $"{what} Nothing of its transaction (lines {firstLine}-{lastLine}) was written; {before}."),
            lineNumber,
            committed,
            inner);
    }

    private static NpgsqlParameter Nullable(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>One <c>append_events</c> call being gathered: consecutive lines of one stream and metadata.</summary>
    private sealed class Call(ImportedEvent first, long firstLine)
    {
        public ImportedEvent First { get; } = first;

        public long FirstLine { get; } = firstLine;

        public long LastLine { get; private set; } = firstLine;

        public List<string> Types { get; } = [];

        public List<string> Bodies { get; } = [];

        public void Add(ImportedEvent imported, long line)
        {
            Types.Add(imported.Type);
            Bodies.Add(imported.Body);
            LastLine = line;
        }
    }

    /// <summary>What the open transaction has written so far.</summary>
    private sealed class Transaction(long firstLine)
    {
        public long FirstLine { get; } = firstLine;

        public long Events { get; set; }

        public long LastLine { get; set; }

        public HashSet<(string?, string)> Streams { get; } = [];
    }
}
