namespace ProjectionGen.Tenancy;

/// <summary>
/// Which of the source's tenant databases this node runs. The default, <see cref="AllTenantDatabases"/>, runs every
/// one; placement across nodes with database affinity and a budget plugs in here (docs/tenancy.md, "Databases per
/// tenant").
/// </summary>
public interface ITenantDatabaseAssignment
{
    /// <summary>The tenant databases of <paramref name="databases"/> that this node runs now.</summary>
    /// <param name="databases">Every tenant database the source lists.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns>A subset of <paramref name="databases"/>; a failure (thrown) keeps the node's current set running.</returns>
    ValueTask<IReadOnlyList<TenantDatabase>> AssignAsync(IReadOnlyList<TenantDatabase> databases, CancellationToken cancellationToken);
}
