using Microsoft.Extensions.Configuration;

namespace ProjectionGen.Tenancy;

/// <summary>
/// A fixed list of tenant databases, from code or from configuration
/// (<c>ProjectionGen:TenantDatabases:&lt;tenant&gt; = &lt;connection string&gt;</c>, see <see cref="FromConfiguration"/>).
/// </summary>
public sealed class StaticTenantSource : ITenantSource
{
    private readonly IReadOnlyList<TenantDatabase> databases;

    /// <summary>A source that always returns <paramref name="databases"/>.</summary>
    /// <param name="databases">The tenant databases, at most one per tenant id.</param>
    /// <exception cref="ArgumentException">Two entries name the same tenant.</exception>
    public StaticTenantSource(IEnumerable<TenantDatabase> databases)
    {
        ArgumentNullException.ThrowIfNull(databases);
        this.databases = [.. databases];
        var duplicate = this.databases.GroupBy(d => d.TenantId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"The tenant '{duplicate.Key}' is listed more than once.", nameof(databases));
        }
    }

    /// <summary>A source of the tenant ids and connection strings of <paramref name="tenantDatabases"/> (tenant id → connection string).</summary>
    /// <param name="tenantDatabases">Tenant id → connection string, e.g. <c>ProjectionGenOptions.TenantDatabases</c>.</param>
    /// <exception cref="ArgumentException">A tenant id is invalid or a connection string is empty (the message names the tenant, never the connection string).</exception>
    public StaticTenantSource(IEnumerable<KeyValuePair<string, string>> tenantDatabases)
        : this(Create(tenantDatabases))
    {
    }

    /// <summary>
    /// A source from a configuration section whose children are <c>&lt;tenant&gt; = &lt;connection string&gt;</c>, for
    /// example <c>configuration.GetSection("ProjectionGen:TenantDatabases")</c>.
    /// </summary>
    /// <param name="section">The section; an empty or missing section gives an empty source.</param>
    /// <exception cref="ArgumentException">A tenant id is invalid or a connection string is empty (the message names the tenant, never the connection string).</exception>
    public static StaticTenantSource FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new StaticTenantSource(section.GetChildren().Select(child => new KeyValuePair<string, string>(child.Key, child.Value ?? "")));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TenantDatabase>> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(databases);

    private static IEnumerable<TenantDatabase> Create(IEnumerable<KeyValuePair<string, string>> tenantDatabases)
    {
        ArgumentNullException.ThrowIfNull(tenantDatabases);
        foreach (var (tenant, connectionString) in tenantDatabases)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new ArgumentException($"The tenant database of '{tenant}' has no connection string.", nameof(tenantDatabases));
            }

            yield return new TenantDatabase(tenant, connectionString);
        }
    }
}
