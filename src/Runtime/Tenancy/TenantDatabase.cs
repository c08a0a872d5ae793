using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// A tenant's own database: a complete ProjectionGen store (schema, progress, nodes, advisory locks and epochs) that a
/// <see cref="TenantDatabaseNode"/> runs a daemon over (docs/tenancy.md, "Databases per tenant").
/// </summary>
/// <remarks><see cref="ToString"/> names the tenant only: the connection string is a secret and never shown.</remarks>
public sealed record TenantDatabase
{
    /// <summary>A tenant's database.</summary>
    /// <param name="tenantId">The tenant; validated by <see cref="TenantIds.Validate"/>.</param>
    /// <param name="connectionString">The connection string of the tenant's database (never logged or shown).</param>
    /// <exception cref="ArgumentException">The tenant id is invalid or the connection string is empty.</exception>
    public TenantDatabase(string tenantId, string connectionString)
    {
        TenantId = TenantIds.Validate(tenantId, nameof(tenantId));
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConnectionString = connectionString;
    }

    /// <summary>The tenant.</summary>
    public string TenantId { get; }

    /// <summary>The connection string of the tenant's database. A secret: never logged, shown or put in an error.</summary>
    public string ConnectionString { get; }

    /// <summary>The tenant, without the connection string.</summary>
    public override string ToString() => $"TenantDatabase {{ TenantId = {TenantId} }}";
}
