using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Operations;
using ProjectionGen.Tenancy;
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
        EventTypes = services.GetService<EventTypeRegistry>();

        // Registered by AddTenantDatabases (docs/tenancy.md, "In a host"): --tenant reads the node's own source.
        TenantSource = services.GetService<ITenantSource>();
        TenantSourceName = "the host's tenant source";
    }

    /// <summary>The event store.</summary>
    public PostgresEventStore Store { get; }

    /// <summary>The store's options.</summary>
    public EventStoreOptions EventStoreOptions { get; }

    /// <summary>The application's projections; empty when their code is not at hand.</summary>
    public IReadOnlyList<IGeneratedProjection> Projections { get; }

    /// <summary>
    /// Where <c>--tenant</c> and <c>status --all-tenants</c> find the tenant databases (docs/tenancy.md, "Databases per
    /// tenant"): in a host the registered <see cref="ITenantSource"/>, in the tool the master table
    /// <c>{schema}.tenant_databases</c> of its database; <see langword="null"/> when there are no databases per tenant
    /// (the commands then refuse <c>--tenant</c>).
    /// </summary>
    public ITenantSource? TenantSource { get; init; }

    /// <summary>The event types (and upcasters) a tenant database's store is opened with; an empty registry when <see langword="null"/>.</summary>
    public EventTypeRegistry? EventTypes { get; init; }

    /// <summary>What <see cref="TenantSource"/> is, for messages (never a connection string).</summary>
    internal string TenantSourceName { get; init; } = "the tenant source";

    /// <summary>The tenant whose database this target is (a target <see cref="ForTenantAsync"/> opened), or <see langword="null"/>.</summary>
    internal string? TenantId { get; private init; }

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
            return new ProjectionGenCommandTarget(store, options, projections ?? [], connectionString, owned: dataSource)
            {
                // The master table of this database lists the tenant databases (docs/tenancy.md, "Where the tenant databases come from").
                TenantSource = new MasterTableTenantSource(dataSource, schema),
                TenantSourceName = $"the master table {schema}.tenant_databases",
            };
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tenant databases of <see cref="TenantSource"/>, or a usage failure when there are none to ask (no databases
    /// per tenant; a conjoined store keeps every tenant in this one database).
    /// </summary>
    internal async Task<IReadOnlyList<TenantDatabase>> ListTenantsAsync(string option, CancellationToken cancellationToken)
    {
        if (TenantSource is null)
        {
            throw new CommandFailedException(EventStoreOptions.Tenancy == TenancyStyle.Conjoined
                ? $"{option} selects a tenant's own database, and this store is conjoined (every tenant in one database, whose slots, progress, history and dead letters are the whole schema's and do not keep the tenant): run the command without {option} (docs/tenancy.md)"
                : $"{option} needs databases per tenant, and none are registered here (AddTenantDatabases in the host, or the master table tenant_databases for the tool; docs/tenancy.md)",
                ProjectionGenExitCodes.Usage);
        }

        return await TenantSource.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A target over <paramref name="tenant"/>'s own database (its store, this target's projections and options; the
    /// tenant's connection string for <c>db apply</c>), closed with the returned target. An unknown tenant is a failure
    /// that names the tenant, never a connection string.
    /// </summary>
    internal async Task<ProjectionGenCommandTarget> ForTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        try
        {
            TenantIds.Validate(tenant, "--tenant");
        }
        catch (ArgumentException invalid)
        {
            throw new CommandFailedException("--tenant: " + invalid.Message, ProjectionGenExitCodes.Usage);
        }

        var databases = await ListTenantsAsync("--tenant", cancellationToken).ConfigureAwait(false);
        var database = databases.FirstOrDefault(d => string.Equals(d.TenantId, tenant, StringComparison.Ordinal))
            ?? throw new CommandFailedException($"unknown tenant '{tenant}': no database of that tenant in {TenantSourceName} (see status --all-tenants)");
        return Open(database);
    }

    /// <summary>A target over <paramref name="database"/>, with a data source of its own (closed with the target).</summary>
    internal ProjectionGenCommandTarget Open(TenantDatabase database)
    {
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        }
        catch (ArgumentException)
        {
            throw new CommandFailedException($"the connection string of tenant '{database.TenantId}' is not a valid Npgsql connection string");
        }

        try
        {
            var store = new PostgresEventStore(dataSource, EventStoreOptions, EventTypes ?? new EventTypeRegistry());
            return new ProjectionGenCommandTarget(store, EventStoreOptions, Projections, database.ConnectionString, DocumentSerializerOptions, dataSource)
            {
                EventTypes = EventTypes,
                TenantId = database.TenantId,
            };
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
