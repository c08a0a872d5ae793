namespace ProjectionGen.Tenancy;

/// <summary>The default <see cref="ITenantDatabaseAssignment"/>: this node runs every tenant database of its source.</summary>
public sealed class AllTenantDatabases : ITenantDatabaseAssignment
{
    /// <summary>The one instance.</summary>
    public static AllTenantDatabases Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TenantDatabase>> AssignAsync(IReadOnlyList<TenantDatabase> databases, CancellationToken cancellationToken) =>
        ValueTask.FromResult(databases);
}
