using System.Globalization;
using System.Text;
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

    /// <summary>
    /// Compares the database with what <see cref="ApplyAsync"/> would bring it to, without changing anything: reads only
    /// (no DDL, no lock), so a role without DDL privileges may ask. Pass no projections to check the event store's schema
    /// only.
    /// </summary>
    /// <param name="connectionString">The database; never written to, and never part of the result.</param>
    /// <param name="eventStoreOptions">The store's options (its schema and tenancy).</param>
    /// <param name="projections">The projections whose document tables and shard read indexes must exist.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The schema's version, the migrations due and what is missing; <see cref="ProjectionSchemaState.IsCurrent"/> when nothing differs.</returns>
    public static async Task<ProjectionSchemaState> CheckAsync(string connectionString, EventStoreOptions eventStoreOptions, IEnumerable<IGeneratedProjection> projections, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(eventStoreOptions);
        ArgumentNullException.ThrowIfNull(projections);
        var all = projections.ToList();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (dataSource.ConfigureAwait(false))
        {
            var store = new PostgresEventStore(dataSource, eventStoreOptions, new EventTypeRegistry());
            var (plan, tables, shards) = await InspectAsync(dataSource, store, all, cancellationToken).ConfigureAwait(false);
            return new ProjectionSchemaState
            {
                Schema = store.Schema,
                CurrentVersion = plan.Current,
                ExpectedVersion = plan.Target,
                CompatibleFrom = plan.CompatibleFrom,
                DueMigrations = [.. plan.Due.Select(m => new ProjectionSchemaMigration(m.Version, m.Description))],
                MissingDocumentTables = [.. tables.Select(t => store.Schema + "." + t.Name)],
                MissingShardIndexes = [.. shards.Select(n => store.Schema + "." + ShardIndexName(n))],
            };
        }
    }

    /// <summary>
    /// The SQL that <see cref="ApplyAsync"/> would run against the database now, as one script for a DBA to review and
    /// run with <c>psql -v ON_ERROR_STOP=1 -f script.sql</c> as the schema owner: the due migrations in one transaction
    /// under the migration lock, after a guard that refuses to run unless the schema is still at the version the script
    /// was made for (so a script cannot run twice or out of order), then the missing document tables and shard read
    /// indexes. Only a comment when nothing is due. Reads only; the connection string never appears in the script.
    /// </summary>
    /// <param name="connectionString">The database the script is made for; never written to.</param>
    /// <param name="eventStoreOptions">The store's options (its schema and tenancy).</param>
    /// <param name="projections">The projections whose document tables and shard read indexes must exist.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The script's text.</returns>
    /// <exception cref="InvalidOperationException">The schema is newer than this library and not compatible with it (as <see cref="ApplyAsync"/> refuses it).</exception>
    public static async Task<string> ScriptAsync(string connectionString, EventStoreOptions eventStoreOptions, IEnumerable<IGeneratedProjection> projections, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(eventStoreOptions);
        ArgumentNullException.ThrowIfNull(projections);
        var all = projections.ToList();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (dataSource.ConfigureAwait(false))
        {
            var store = new PostgresEventStore(dataSource, eventStoreOptions, new EventTypeRegistry());
            var (plan, tables, shards) = await InspectAsync(dataSource, store, all, cancellationToken).ConfigureAwait(false);
            if (plan.IsRefused)
            {
                throw new InvalidOperationException(plan.RefusalMessage);
            }

            var script = new StringBuilder();
            script.Append(CultureInfo.InvariantCulture, $"-- ProjectionGen schema script for schema {store.Schema}: run as the schema owner with psql -v ON_ERROR_STOP=1 -f <file>.\n");
            if (plan.Statements.Count == 0 && tables.Count == 0 && shards.Count == 0)
            {
                script.Append(plan.IsAhead
                    ? string.Create(CultureInfo.InvariantCulture, $"-- Nothing to run: the schema is at version {plan.Current}, newer than this library ({plan.Target}) and compatible with it, and nothing is missing.\n")
                    : string.Create(CultureInfo.InvariantCulture, $"-- Nothing to run: the schema is current (version {plan.Current}) and nothing is missing.\n"));
                return script.ToString();
            }

            script.Append(plan.ScriptText());
            if (tables.Count > 0 || shards.Count > 0)
            {
                script.Append("\n-- The aggregate projections' document tables and the sharded projections' read indexes that are missing.\n");
                foreach (var table in tables)
                {
                    SchemaPlan.AppendStatement(script, table.CreateSql);
                }

                var schema = store.SchemaContext.Schema;
                foreach (var count in shards)
                {
                    SchemaPlan.AppendStatement(script, EventStoreSchema.ShardIndexSql(schema, count));
                }
            }

            return script.ToString();
        }
    }

    /// <summary>
    /// The store's schema plan, and the document tables and shard counts whose read index are missing: what
    /// <see cref="ApplyAsync"/> would create. Reads only.
    /// </summary>
    private static async Task<(SchemaPlan Plan, List<DocumentTable> MissingTables, List<int> MissingShards)> InspectAsync(
        NpgsqlDataSource dataSource, PostgresEventStore store, List<IGeneratedProjection> projections, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var plan = await EventStoreSchema.PlanAsync(connection, store.SchemaContext, cancellationToken).ConfigureAwait(false);
            var tables = new List<DocumentTable>();
            foreach (var table in projections.Where(p => p.Descriptor.Kind == ProjectionKind.Aggregate).Select(p => DocumentTable.For(store, p.Descriptor)))
            {
                await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
                exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table.QuotedName });
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true && !tables.Any(t => t.QuotedName == table.QuotedName))
                {
                    tables.Add(table);
                }
            }

            var shards = new List<int>();
            foreach (var count in projections.Select(p => p.Descriptor.Shards).Where(n => n > 1).Distinct())
            {
                await using var exists = new NpgsqlCommand(EventStoreSchema.ShardIndexExistsSql(store.SchemaContext.Schema, count), connection);
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    shards.Add(count);
                }
            }

            return (plan, tables, shards);
        }
    }

    private static string ShardIndexName(int shards) => string.Create(CultureInfo.InvariantCulture, $"events_shard_{shards}");
}
