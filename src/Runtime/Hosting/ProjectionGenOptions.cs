using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Health;

namespace ProjectionGen.Hosting;

/// <summary>
/// Everything <c>AddProjectionGen</c> configures, bound from a configuration section shaped like this class
/// (<c>Daemon</c>, <c>EventStore</c> and <c>Health</c> sub-sections) and validated when the host starts.
/// </summary>
public sealed class ProjectionGenOptions
{
    /// <summary>The conventional configuration section: <c>ProjectionGen</c>.</summary>
    public const string SectionName = "ProjectionGen";

    /// <summary>The daemon node's settings; <see cref="ProjectionDaemonOptions.ConnectionString"/> is required.</summary>
    public ProjectionDaemonOptions Daemon { get; } = new();

    /// <summary>The event store's settings (schema, serializer, event size limit).</summary>
    public EventStoreOptions EventStore { get; } = new();

    /// <summary>The health check's thresholds and the sampling interval.</summary>
    public ProjectionHealthOptions Health { get; } = new();

    /// <summary>
    /// Whether the host creates or upgrades the schema (and the aggregate projections' document tables) when it starts.
    /// Default <see langword="true"/>. Turn it off when the runtime role may not create objects (docs/operations.md).
    /// </summary>
    public bool ApplySchemaOnStartup { get; set; } = true;

    /// <summary>
    /// The connection string of the schema owner, used only to apply the schema at start-up; defaults to
    /// <see cref="ProjectionDaemonOptions.ConnectionString"/>.
    /// </summary>
    public string? SchemaConnectionString { get; set; }

    /// <summary>
    /// Databases per tenant listed in configuration (<c>ProjectionGen:TenantDatabases:&lt;tenant&gt; = &lt;connection
    /// string&gt;</c>): tenant id → connection string, for a <c>ProjectionGen.Tenancy.StaticTenantSource</c> given to a
    /// <c>TenantDatabaseNode</c> (docs/tenancy.md, "Databases per tenant"). The hosted daemon does not
    /// run them by itself. Default none.
    /// </summary>
    public IDictionary<string, string> TenantDatabases { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Values from configuration that could not be read, one message each; reported by validation.</summary>
    internal List<string> BindingErrors { get; } = [];
}
