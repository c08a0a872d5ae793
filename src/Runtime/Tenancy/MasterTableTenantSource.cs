using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// The tenant databases listed in the master table <c>{schema}.tenant_databases</c> (schema step 15) of a master
/// database: operators insert a row to add a tenant database and delete it to remove one, while nodes run
/// (docs/tenancy.md, "Databases per tenant"). A row whose tenant id is invalid is skipped and logged once (1055).
/// </summary>
public sealed class MasterTableTenantSource : ITenantSource
{
    private readonly NpgsqlDataSource master;
    private readonly string selectSql;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private HashSet<string> skipped = new(StringComparer.Ordinal);

    /// <summary>A source that reads the master table of <paramref name="schema"/> through <paramref name="master"/>.</summary>
    /// <param name="master">The master database's connections (owned by the caller); the runtime role needs <c>SELECT</c> on the table.</param>
    /// <param name="schema">The master database's ProjectionGen schema. Default <c>projectiongen</c>.</param>
    /// <param name="loggerFactory">Logs skipped rows.</param>
    /// <exception cref="ArgumentException">The schema name is not a valid identifier.</exception>
    public MasterTableTenantSource(NpgsqlDataSource master, string schema = "projectiongen", ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        this.master = master;
        var table = PostgresIdentifier.Parse(schema, nameof(schema)).Qualify("tenant_databases");
        selectSql = $"SELECT tenant_id, connection_string FROM {table} ORDER BY tenant_id";
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MasterTableTenantSource>();
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<TenantDatabase>> ReadAsync(CancellationToken cancellationToken)
    {
        var databases = new List<TenantDatabase>();
        var invalid = new HashSet<string>(StringComparer.Ordinal);
        await using var command = master.CreateCommand(selectSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var tenant = reader.GetString(0);
            var connectionString = reader.GetString(1);
            try
            {
                databases.Add(new TenantDatabase(tenant, connectionString));
            }
            catch (ArgumentException refused)
            {
                // The message of TenantIds.Validate or of an empty connection string; never the connection string itself.
                // Logged once while the row stays, not on every read.
                invalid.Add(tenant);
                bool known;
                lock (gate)
                {
                    known = skipped.Contains(tenant);
                }

                if (!known)
                {
                    TenantLog.RowSkipped(logger, refused.Message);
                }
            }
        }

        lock (gate)
        {
            skipped = invalid;
        }

        return databases;
    }
}
