using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Serialization;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The generated JSON contracts in the runtime (docs/generator.md, JSON contracts): the defaults where reflection is
/// disabled (trimmed or AOT), found through the projections and the hosting registrations; options the application sets
/// are used as given, and a document type they do not cover is refused when the daemon is created.
/// </summary>
public sealed class JsonContractRuntimeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_defaults_are_reflection_where_it_is_enabled_and_the_generated_contracts_alone_where_it_is_not()
    {
        var generated = ((IJsonContractSource)new AccountBalanceProjection()).JsonContracts;

        // This process has reflection enabled: the web defaults with reflection-based contracts, as before the generated ones.
        Assert.True(JsonSerializer.IsReflectionEnabledByDefault);
        Assert.IsType<DefaultJsonTypeInfoResolver>(DefaultJsonOptions.Create([generated]).TypeInfoResolver);

        // A trimmed or AOT application's defaults: the web defaults over the generated contracts alone (TrimmedSampleTests
        // runs them for real in a trimmed binary). Here they are passed as options, the way an application opts in.
        var trimmed = DefaultJsonOptions.Generated([generated, generated]);
        Assert.Equal([generated], trimmed.TypeInfoResolverChain);
        var asked = new ConcurrentQueue<Type>();
        var recording = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new RecordingResolver(generated, asked) };

        await using var database = await postgres.CreateDatabaseAsync("json_contracts");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new PostgresEventStore(dataSource, new EventStoreOptions { SerializerOptions = recording }, DaemonTestBed.Registry());
        await store.ApplySchemaAsync(Ct);
        await store.AppendAsync("acc-1", [new Deposited("acc-1", 5)], ExpectedVersion.Any, cancellationToken: Ct);
        var read = await store.ReadStreamAsync("acc-1", Ct);

        Assert.Equal(new Deposited("acc-1", 5), Assert.Single(read).Data);
        Assert.Contains(typeof(Deposited), asked);
        await using (var command = dataSource.CreateCommand("SELECT data::text FROM projectiongen.events"))
        {
            Assert.Equal("""{"amount": 5, "account": "acc-1"}""", (string?)await command.ExecuteScalarAsync(Ct));
        }

        var options = new ProjectionDaemonOptions { ConnectionString = database.ConnectionString, NodeName = "n", DocumentSerializerOptions = trimmed };
        var (setups, _) = SlotCatalog.Build([new AccountBalanceProjection()], store, options);
        var document = setups[0].DocumentTypeInfo!;
        Assert.Same(typeof(AccountBalanceProjection).Assembly, document.CreateObject!.Method.Module.Assembly);
        Assert.Same(JsonNamingPolicy.CamelCase, document.Options.PropertyNamingPolicy);
        Assert.True(document.Options.PropertyNameCaseInsensitive);
    }

    [Fact]
    public void Projections_added_to_the_host_bring_their_contracts_to_the_event_store()
    {
        var registrations = new ProjectionGenRegistrations();
        registrations.Projections.Add(new AccountBalanceProjection());
        registrations.Projections.Add(new LedgerProjection());

        var contracts = registrations.CreateRegistry().JsonContracts;

        Assert.Equal([((IJsonContractSource)new AccountBalanceProjection()).JsonContracts], contracts);
    }

    [Fact]
    public async Task Document_options_that_cover_no_document_type_are_refused_when_the_daemon_is_created()
    {
        await using var database = await postgres.CreateDatabaseAsync("json_refused");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new PostgresEventStore(dataSource, new EventStoreOptions(), DaemonTestBed.Registry());
        var options = new ProjectionDaemonOptions
        {
            ConnectionString = database.ConnectionString,
            NodeName = "n",
            DocumentSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = JsonTypeInfoResolver.Combine() },
        };

        var error = Assert.Throws<ArgumentException>(() => new ProjectionDaemon(store, [new AccountBalanceProjection()], options));

        Assert.Contains("ProjectionDaemonOptions.DocumentSerializerOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(AccountBalance).FullName!, error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingResolver(IJsonTypeInfoResolver inner, ConcurrentQueue<Type> asked) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
        {
            asked.Enqueue(type);
            return inner.GetTypeInfo(type, options);
        }
    }
}
