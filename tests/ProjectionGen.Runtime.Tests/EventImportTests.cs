using System.Text;
using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// <see cref="ProjectionEventImporter"/> writes JSON lines through <c>append_events</c> (docs/operations.md, "Importing
/// events from JSON lines"): raw bodies of types the code may not know, consecutive lines of a stream in one call,
/// transactions of a given size that are all-or-nothing, and errors that name the line.
/// </summary>
public sealed class EventImportTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lines_of_several_streams_are_imported_in_runs_per_stream_and_read_back_with_their_metadata_and_raw_bodies()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_lines");
        await scope.Store.AppendAsync("cart-0", [new ItemAdded("seed", 1)], ExpectedVersion.NoStream, cancellationToken: Ct);
        const string lines = """
            {"stream":"cart-1","streamType":"order","type":"item_added","body":{"Sku":"a","Quantity":1},"correlationId":"corr-1","causationId":"cause-1","tenant":"t1"}
            {"stream":"cart-1","streamType":"order","type":"item_added","body":{"Sku":"b","Quantity":2},"correlationId":"corr-1","causationId":"cause-1","tenant":"t1"}

            {"stream":"cart-2","type":"gone_from_code","body":{"Nested":{"Deep":[1,2.50,"x"]},"Flag":true},"expectedVersion":0}
            {"stream":"cart-1","streamType":"order","type":"item_added","body":{"Sku":"c","Quantity":3},"expectedVersion":2,"correlationId":null}
            {"stream":"cart-1","streamType":"order","type":"item_added","body":{"Sku":"d","Quantity":4}}
            {"stream":"cart-0","type":"item_added","body":{"Sku":"e","Quantity":5}}
            """;
        var reports = new List<EventImportResult>();

        var result = await new ProjectionEventImporter(scope.Store).ImportAsync(
            new StringReader(lines), new EventImportOptions { EventsPerTransaction = 4 }, new SyncProgress(reports), Ct);

        // The first transaction (4 events): cart-1 (lines 1-2), cart-2 (4), cart-1 (5: an expected version starts a call);
        // the second: cart-1 (6: a call never spans transactions), cart-0 (7).
        Assert.Equal(new EventImportResult(Events: 6, Streams: 4, Calls: 5, Transactions: 2, LastLine: 7, LastSequence: 7), result);
        Assert.Equal([4L, 6L], reports.Select(r => r.Events));
        Assert.Equal(5L, reports[0].LastLine);

        var cart1 = await scope.Store.ReadStreamAsync("cart-1", Ct);
        Assert.Equal([1L, 2L, 3L, 4L], cart1.Select(e => e.StreamVersion));
        Assert.Equal(["a", "b", "c", "d"], cart1.Select(e => ((ItemAdded)e.Data!).Sku));
        Assert.Equal([("corr-1", "cause-1", "t1"), ("corr-1", "cause-1", "t1"), (null, null, null), (null, null, null)], cart1.Select(e => (e.CorrelationId, e.CausationId, e.TenantId)));
        Assert.Equal("order", await scope.ScalarAsync<string>("SELECT type FROM projectiongen.streams WHERE id = 'cart-1'"));
        Assert.Equal(["seed", "e"], (await scope.Store.ReadStreamAsync("cart-0", Ct)).Select(e => ((ItemAdded)e.Data!).Sku));

        // The type the code does not know is stored with its body as given (jsonb's own normal form), never deserialized.
        Assert.Equal("gone_from_code", await scope.ScalarAsync<string>("SELECT type FROM projectiongen.events WHERE stream_id = 'cart-2'"));
        Assert.True(await scope.ScalarAsync<bool>("""SELECT data = '{"Nested":{"Deep":[1,2.50,"x"]},"Flag":true}'::jsonb FROM projectiongen.events WHERE stream_id = 'cart-2'"""));
        Assert.Equal("2.50", await scope.ScalarAsync<string>("SELECT data->'Nested'->'Deep'->>1 FROM projectiongen.events WHERE stream_id = 'cart-2'"));
        Assert.Equal(7L, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task A_bad_line_names_itself_and_rolls_back_its_whole_transaction_while_earlier_transactions_stay()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_bad");
        var lines = new StringBuilder();
        for (var i = 1; i <= 7; i++)
        {
            lines.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"stream":"s-{{{i % 2}}}","type":"item_added","body":{"Sku":"{{{i}}}","Quantity":{{{i}}}}}""");
        }

        lines.AppendLine("""{"stream":"s-9","type":"item_added"}""");
        lines.AppendLine("""{"stream":"s-9","type":"item_added","body":{"Sku":"never","Quantity":1}}""");

        var error = await Assert.ThrowsAsync<EventImportException>(() => new ProjectionEventImporter(scope.Store).ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString())), new EventImportOptions { EventsPerTransaction = 5 }, cancellationToken: Ct));

        Assert.Equal(8, error.LineNumber);
        Assert.StartsWith("Line 8: 'body' is missing.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing of its transaction (lines 6-8) was written; the 5 events of lines 1-5 were committed before it", error.Message, StringComparison.Ordinal);
        Assert.Equal(new EventImportResult(5, 2, 5, 1, 5, 5), error.Committed);
        Assert.Equal(5L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
        Assert.Equal(5L, await scope.ScalarAsync<long>("SELECT max(seq) FROM projectiongen.events"));
    }

    [Theory]
    [InlineData("""{"stream":"s","type":"t","body":{}""", "not valid JSON")]
    [InlineData("""["stream"]""", "a line is a JSON object, not an array")]
    [InlineData("""{"stream":"s","type":"t","body":"{}"}""", "'body' is a JSON object (the event), not a string")]
    [InlineData("""{"stream":"","type":"t","body":{}}""", "'stream' is empty")]
    [InlineData("""{"stream":"s","type":"t","body":{},"expectedVersion":-1}""", "'expectedVersion' is null or a whole number at least 0")]
    [InlineData("""{"stream":"s","type":"t","body":{},"seq":4}""", "unknown field 'seq'")]
    [InlineData("""{"stream":"s","type":"t","type":"u","body":{}}""", "'type' appears twice")]
    [InlineData("""{"stream":"s","type":"t","body":{"x":"\u0000"}}""", "append_events refused the events of stream 's'")]
    public async Task Each_kind_of_bad_line_is_refused_with_what_is_wrong_and_nothing_written(string line, string expected)
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_kinds");
        var input = """{"stream":"ok","type":"t","body":{"a":1}}""" + "\n" + line + "\n";

        var error = await Assert.ThrowsAsync<EventImportException>(() => new ProjectionEventImporter(scope.Store).ImportAsync(new StringReader(input), cancellationToken: Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Line 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(EventImportResult.None, error.Committed);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    [Fact]
    public async Task A_body_larger_than_the_limit_is_refused()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_large");
        var line = $$$"""{"stream":"s","type":"t","body":{"x":"{{{new string('a', 100)}}}"}}""";

        var error = await Assert.ThrowsAsync<EventImportException>(() => new ProjectionEventImporter(scope.Store).ImportAsync(
            new StringReader(line), new EventImportOptions { MaxEventBytes = 64 }, cancellationToken: Ct));

        Assert.StartsWith("Line 1: 'body' is 108 bytes of JSON, more than the 64 allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expected_version_conflict_names_the_lines_and_the_streams_version_and_writes_nothing_of_its_transaction()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_conflict");
        await scope.Store.AppendAsync("cart-1", [new ItemAdded("a", 1), new ItemAdded("b", 2)], ExpectedVersion.NoStream, cancellationToken: Ct);
        const string lines = """
            {"stream":"cart-2","type":"item_added","body":{"Sku":"x","Quantity":1},"expectedVersion":0}
            {"stream":"cart-1","type":"item_added","body":{"Sku":"c","Quantity":3},"expectedVersion":0}
            {"stream":"cart-1","type":"item_added","body":{"Sku":"d","Quantity":4}}
            """;

        var error = await Assert.ThrowsAsync<EventImportException>(() => new ProjectionEventImporter(scope.Store).ImportAsync(new StringReader(lines), cancellationToken: Ct));

        Assert.Equal(2, error.LineNumber);
        Assert.StartsWith("Lines 2-3: stream 'cart-1' is at version 2, not the expected 0.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing of its transaction (lines 1-3) was written; nothing was committed before it.", error.Message, StringComparison.Ordinal);
        Assert.Equal(EventImportResult.None, error.Committed);
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.streams WHERE id = 'cart-2'"));
    }

    [Fact]
    public async Task A_conjoined_store_is_refused()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_conjoined", new EventStoreOptions { Tenancy = TenancyStyle.Conjoined });

        await Assert.ThrowsAsync<InvalidOperationException>(() => new ProjectionEventImporter(scope.Store).ImportAsync(new StringReader(""), cancellationToken: Ct));
    }

    [Fact]
    public async Task A_slow_input_keeps_no_transaction_open_so_the_safe_high_water_mark_moves_on_while_the_import_waits()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "import_slow");
        var input = new GatedReader(
            """{"stream":"s-1","type":"t","body":{"a":1}}""",
            """{"stream":"s-2","type":"t","body":{"a":2}}""",
            """{"stream":"s-3","type":"t","body":{"a":3}}""");
        var import = new ProjectionEventImporter(scope.Store).ImportAsync(input, new EventImportOptions { EventsPerTransaction = 3 }, cancellationToken: Ct);
        await input.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // The import waits for its third line: an append meanwhile is safe to read at once, nothing holds the mark back.
        var appended = await scope.Store.AppendAsync("other", [new ItemAdded("x", 1)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(appended.LastSequence, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"));

        input.Release.SetResult();
        Assert.Equal(3, (await import).Events);
        Assert.Equal(4L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    /// <summary>Returns its first two lines, then waits for <see cref="Release"/> before the rest.</summary>
    private sealed class GatedReader(params string[] lines) : TextReader
    {
        private int next;

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            if (next == 2)
            {
                Waiting.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return next < lines.Length ? lines[next++] : null;
        }
    }

    /// <summary>Records reports as they are made (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SyncProgress(List<EventImportResult> reports) : IProgress<EventImportResult>
    {
        public void Report(EventImportResult value) => reports.Add(value);
    }
}
