using System.Text.Json;

namespace ProjectionGen.EventStore;

/// <summary>Settings of a <see cref="PostgresEventStore"/>.</summary>
public sealed class EventStoreOptions
{
    /// <summary>The default <see cref="MaxEventBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxEventBytes = 1024 * 1024;

    /// <summary>
    /// The PostgreSQL schema holding the store's tables; validated as an identifier of at most 56 characters (the
    /// notification channel is named <c>{schema}_events</c>). Default <c>projectiongen</c>.
    /// </summary>
    public string Schema { get; set; } = "projectiongen";

    /// <summary>
    /// The System.Text.Json options for event bodies, used as given when set. Default: <see cref="JsonSerializerDefaults.Web"/>
    /// (camelCase names) with reflection-based contracts, or, where reflection-based serialization is disabled (trimmed
    /// or AOT applications), the generated contracts of <see cref="EventTypeRegistry.AddJsonContracts"/> (docs/generator.md, JSON contracts).
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>
    /// Whether the store prepares its statements (Npgsql keeps them per physical connection, so each is parsed once per
    /// connection). Default <see langword="true"/>; turn it off behind a pooling proxy in transaction mode that does not
    /// support prepared statements.
    /// </summary>
    public bool PrepareStatements { get; set; } = true;

    /// <summary>The largest serialized event body, in UTF-8 bytes; an append with a bigger one is refused and writes nothing.</summary>
    public int MaxEventBytes { get; set; } = DefaultMaxEventBytes;

    /// <summary>
    /// How the store separates tenants. Default <see cref="TenancyStyle.None"/>: today's single-tenant behaviour, SQL and
    /// tables. <see cref="TenancyStyle.Conjoined"/>: streams and aggregate documents per tenant in the same schema; appends
    /// and stream reads go through <see cref="PostgresEventStore.ForTenant"/> (docs/tenancy.md). Every store, daemon and
    /// tool of one schema must use the same setting.
    /// </summary>
    public TenancyStyle Tenancy { get; set; } = TenancyStyle.None;
}
