using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;

namespace ProjectionGen.Hosting;

/// <summary>
/// Creates or upgrades the event store schema, the aggregate projections' document tables and the sharded projections'
/// read indexes. Run it as the schema
/// owner (a deployment step, or at start-up through <see cref="ProjectionGenOptions.ApplySchemaOnStartup"/>); the
/// runtime role then needs only the privileges listed in docs/operations.md. Idempotent and safe to run concurrently.
/// </summary>
public static class ProjectionSchemaInstaller
{
    /// <summary>Applies the schema in <paramref name="eventStoreOptions"/>'s schema, connecting with <paramref name="connectionString"/>.</summary>
    /// <returns>How many document tables the projections declare (created when missing).</returns>
    public static async Task<int> ApplyAsync(string connectionString, EventStoreOptions eventStoreOptions, IEnumerable<IGeneratedProjection> projections, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(eventStoreOptions);
        ArgumentNullException.ThrowIfNull(projections);
        var all = projections.ToList();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (dataSource.ConfigureAwait(false))
        {
            var store = new PostgresEventStore(dataSource, eventStoreOptions, new EventTypeRegistry());
            await store.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
            var tables = all
                .Where(p => p.Descriptor.Kind == ProjectionKind.Aggregate)
                .Select(p => DocumentTable.For(store, p.Descriptor))
                .ToList();
            foreach (var table in tables)
            {
                await using var command = dataSource.CreateCommand(table.CreateSql);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The read index of each shard count the projections use (the runtime role may not create indexes): asked
            // first, so that a runtime role running this step with the indexes in place creates nothing.
            var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
            foreach (var shards in all.Select(p => p.Descriptor.Shards).Where(n => n > 1).Distinct())
            {
                await using (var exists = dataSource.CreateCommand(EventStoreSchema.ShardIndexExistsSql(schema, shards)))
                {
                    if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        continue;
                    }
                }

                await using var command = dataSource.CreateCommand(EventStoreSchema.ShardIndexSql(schema, shards));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return tables.Count;
        }
    }
}
