using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
using ProjectionGen.Versions;

namespace ProjectionGen.CommandLine;

/// <summary>
/// What the commands act on: the event store, the application's projections (none for the <c>projectiongen</c> tool,
/// which then offers only what needs no projection code) and the connection string that applies the schema.
/// </summary>
public sealed class ProjectionGenCommandTarget : IAsyncDisposable
{
    private readonly IServiceProvider? services;
    private readonly IAsyncDisposable? owned;

    /// <summary>A target over <paramref name="store"/>.</summary>
    /// <param name="store">The event store the commands act on.</param>
    /// <param name="eventStoreOptions">The options <paramref name="store"/> was made with (its schema).</param>
    /// <param name="projections">The application's projections (<c>GeneratedProjections.CreateAll()</c>); empty when the code is not at hand.</param>
    /// <param name="schemaConnectionString">The connection string <c>db apply</c> uses: the schema owner's (docs/operations.md, "Least privilege").</param>
    /// <param name="documentSerializerOptions">The documents' serializer options, when the application sets its own (a dead letter's retry writes documents).</param>
    /// <param name="owned">Disposed with the target (the data source a connection string opened), or <see langword="null"/>.</param>
    public ProjectionGenCommandTarget(
        PostgresEventStore store,
        EventStoreOptions eventStoreOptions,
        IEnumerable<IGeneratedProjection> projections,
        string schemaConnectionString,
        JsonSerializerOptions? documentSerializerOptions = null,
        IAsyncDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(eventStoreOptions);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaConnectionString);
        Store = store;
        EventStoreOptions = eventStoreOptions;
        Projections = [.. projections];
        SchemaConnectionString = schemaConnectionString;
        DocumentSerializerOptions = documentSerializerOptions;
        this.owned = owned;
    }

    private ProjectionGenCommandTarget(IServiceProvider services, ProjectionGenOptions options, IReadOnlyList<IGeneratedProjection> projections)
        : this(
            services.GetRequiredService<PostgresEventStore>(),
            options.EventStore,
            projections,
            options.SchemaConnectionString ?? options.Daemon.ConnectionString!,
            options.Daemon.DocumentSerializerOptions)
    {
        this.services = services;
    }

    /// <summary>The event store.</summary>
    public PostgresEventStore Store { get; }

    /// <summary>The store's options.</summary>
    public EventStoreOptions EventStoreOptions { get; }

    /// <summary>The application's projections; empty when their code is not at hand.</summary>
    public IReadOnlyList<IGeneratedProjection> Projections { get; }

    /// <summary>The connection string of <c>db apply</c>.</summary>
    internal string SchemaConnectionString { get; }

    /// <summary>The documents' serializer options, or <see langword="null"/> for the defaults.</summary>
    internal JsonSerializerOptions? DocumentSerializerOptions { get; }

    /// <summary>
    /// The target of a host built with <c>AddProjectionGen</c> (the host need not be started): its store, its
    /// projections, its <see cref="ProjectionGenOptions.SchemaConnectionString"/> (or its connection string) for
    /// <c>db apply</c>, and its registered operations.
    /// </summary>
    /// <param name="services">The host's services.</param>
    public static ProjectionGenCommandTarget FromServices(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
        var registrations = services.GetRequiredService<ProjectionGenRegistrations>();
        return new ProjectionGenCommandTarget(services, options, registrations.Projections);
    }

    /// <summary>
    /// A target over a database the command line names: a data source of its own (closed with the target), an event
    /// store in <paramref name="schema"/>, and <paramref name="projections"/> when the code is at hand.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string; it is never printed.</param>
    /// <param name="schema">The store's schema.</param>
    /// <param name="projections">The application's projections, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The schema name is not valid.</exception>
    /// <exception cref="Exception">The connection string is not valid (a failure whose text never quotes it).</exception>
    public static ProjectionGenCommandTarget FromConnectionString(string connectionString, string schema = "projectiongen", IEnumerable<IGeneratedProjection>? projections = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new EventStoreOptions { Schema = schema };
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException)
        {
            // The parser's message may quote the offending fragment, which can be a password: say only what is wrong.
            throw new CommandFailedException("the connection string is not a valid Npgsql connection string");
        }

        try
        {
            var store = new PostgresEventStore(dataSource, options, new EventTypeRegistry());
            return new ProjectionGenCommandTarget(store, options, projections ?? [], connectionString, owned: dataSource);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    internal ProjectionStatusReader StatusReader() => Resolve(() => new ProjectionStatusReader(Store));

    internal ProjectionClusterOperations Cluster() => Resolve(() => new ProjectionClusterOperations(Store));

    internal ProjectionHistory History() => Resolve(() => new ProjectionHistory(Store));

    internal ProjectionDeadLetters DeadLetters() => Resolve(() => new ProjectionDeadLetters(Store, Projections, DocumentSerializerOptions));

    internal ProjectionRebuilder Rebuilder() => Resolve(() => new ProjectionRebuilder(Store, RequireCode("rebuild")));

    internal ProjectionVersionOperations Versions() => Resolve(() => new ProjectionVersionOperations(Store, RequireCode("a version command")));

    /// <summary>The projections, or a failure saying that <paramref name="what"/> needs the application's code.</summary>
    internal IReadOnlyList<IGeneratedProjection> RequireCode(string what) => Projections.Count > 0
        ? Projections
        : throw new CommandFailedException($"{what} needs the projections' code: run it from the application's own host (its 'projections' command), not the projectiongen tool.");

    private T Resolve<T>(Func<T> create) where T : class => services?.GetService<T>() ?? create();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}
