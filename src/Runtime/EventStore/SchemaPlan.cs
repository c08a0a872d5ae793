using System.Globalization;
using System.Text;

namespace ProjectionGen.EventStore;

/// <summary>
/// What bringing a schema found at <see cref="Current"/> to <see cref="Target"/> takes: the statements, with every value a
/// literal, that <see cref="EventStoreSchema.ApplyAsync(Npgsql.NpgsqlConnection, SchemaContext, CancellationToken)"/>
/// executes under the schema-migration lock, and that <see cref="ScriptText"/> prints for a DBA to run instead. One list
/// for both, so that a reviewed script is exactly what the library would have run (docs/operations.md, "Upgrading the
/// schema").
/// </summary>
internal sealed class SchemaPlan
{
    /// <summary>The quoted, schema-qualified name of <c>schema_version</c>.</summary>
    private readonly string versionTable;

    /// <param name="context">The schema's names.</param>
    /// <param name="current">The schema's version (0 when it has none).</param>
    /// <param name="compatibleFrom">The oldest library version a schema at <paramref name="current"/> stays compatible with, when recorded.</param>
    /// <param name="target">The version to bring it to (<see cref="EventStoreSchema.LatestVersion"/>, or an earlier one in tests).</param>
    public SchemaPlan(SchemaContext context, int current, int? compatibleFrom, int target)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, EventStoreSchema.LatestVersion);
        Context = context;
        Current = current;
        CompatibleFrom = compatibleFrom;
        Target = target;
        versionTable = context.Table("schema_version");
        Due = [.. EventStoreSchema.Migrations.Where(m => m.Version > current && m.Version <= target)];
        Statements = Due.Count == 0 ? [] : BuildStatements();
    }

    /// <summary>The schema's names.</summary>
    public SchemaContext Context { get; }

    /// <summary>The schema's version when the plan was made (0: no schema yet).</summary>
    public int Current { get; }

    /// <summary>The oldest library version the schema at <see cref="Current"/> stays compatible with, when recorded.</summary>
    public int? CompatibleFrom { get; }

    /// <summary>The version the plan brings the schema to.</summary>
    public int Target { get; }

    /// <summary>The migrations to run, in order; empty when the schema is current or ahead.</summary>
    public IReadOnlyList<SchemaMigration> Due { get; }

    /// <summary>Whether the schema is newer than <see cref="Target"/>.</summary>
    public bool IsAhead => Current > Target;

    /// <summary>Whether the schema is newer than <see cref="Target"/> but records that a library knowing <see cref="Target"/> still works against it.</summary>
    public bool IsAheadButCompatible => IsAhead && CompatibleFrom is { } oldest && Target >= oldest;

    /// <summary>Whether this library must refuse the schema: newer, and not compatible with it.</summary>
    public bool IsRefused => IsAhead && !IsAheadButCompatible;

    /// <summary>
    /// The statements that bring the schema to <see cref="Target"/>, to run in one transaction after
    /// <see cref="LockSql"/>; empty when nothing is due.
    /// </summary>
    public IReadOnlyList<PlannedStatement> Statements { get; }

    /// <summary>The transaction-level advisory lock that serializes every migration of the schema (and the daemon's DDL).</summary>
    public string LockSql => LockSqlFor(Context);

    /// <summary>The transaction-level advisory lock of <paramref name="context"/>'s schema migrations (<see cref="LockSql"/>).</summary>
    public static string LockSqlFor(SchemaContext context) =>
        string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({Locking.AdvisoryLockKey.ForSchemaMigration(context.Schema.Value).Value})");

    /// <summary>
    /// A statement that raises an error unless the schema is still at <see cref="Current"/>: run after the lock, it keeps a
    /// script made for one version from running on another (twice, or after another upgrade).
    /// </summary>
    public string GuardSql
    {
        get
        {
            var table = Literal(versionTable);
            var read = Literal($"SELECT coalesce(max(version), 0) FROM {versionTable}");
            var message = Literal(string.Create(
                CultureInfo.InvariantCulture,
                $"schema {Context.Schema.Value} is at version %, but this script was made for version {Current}: it has already run or the schema changed since; make a new script (docs/operations.md, \"Upgrading the schema\")"));
            return string.Create(CultureInfo.InvariantCulture, $"""
                DO $guard$
                DECLARE
                  v_version int := 0;
                BEGIN
                  IF to_regclass({table}) IS NOT NULL THEN
                    EXECUTE {read} INTO v_version;
                  END IF;
                  IF v_version <> {Current} THEN
                    RAISE EXCEPTION {message}, v_version USING ERRCODE = '55000';
                  END IF;
                END
                $guard$
                """);
        }
    }

    /// <summary>
    /// The error for a schema this library must refuse (<see cref="IsRefused"/>), naming both versions.
    /// </summary>
    public string RefusalMessage =>
        $"Schema {Context.Schema.Quoted} is at version {Current}, newer than this ProjectionGen knows ({Target})"
        + (CompatibleFrom is { } from ? $" and compatible only with libraries that know version {from} or later" : "")
        + ": upgrade the application instead of running an older one against it (docs/operations.md, \"Upgrading\").";

    /// <summary>
    /// The plan as an SQL script for <c>psql -v ON_ERROR_STOP=1 -f</c>: one transaction with the lock, the version guard
    /// and <see cref="Statements"/>; empty when nothing is due.
    /// </summary>
    public string ScriptText()
    {
        if (Statements.Count == 0)
        {
            return "";
        }

        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $"-- Schema {Context.Schema.Value}: from version {Current} to {Target}, in one transaction.\n");
        script.Append(CultureInfo.InvariantCulture, $"-- Made for a schema at version {Current}: the guard below refuses any other version.\n");
        script.Append("BEGIN;\n");
        AppendStatement(script, LockSql);
        AppendStatement(script, GuardSql);
        string? section = null;
        foreach (var statement in Statements)
        {
            if (!string.Equals(statement.Section, section, StringComparison.Ordinal))
            {
                section = statement.Section;
                script.Append('\n').Append("-- ").Append(section.ReplaceLineEndings(" ")).Append('\n');
            }

            AppendStatement(script, statement.Sql);
        }

        script.Append("COMMIT;\n");
        return script.ToString();
    }

    /// <summary>Appends <paramref name="sql"/> as one script statement: terminated on its own line when its last line may end in a comment.</summary>
    public static void AppendStatement(StringBuilder script, string sql)
    {
        var text = sql.TrimEnd();
        var lastLine = text[(text.LastIndexOf('\n') + 1)..];
        script.Append(text).Append(lastLine.Contains("--", StringComparison.Ordinal) ? "\n;\n" : ";\n");
    }

    /// <summary>
    /// A string literal for <paramref name="value"/>: quotes doubled, and an escape string when it holds a backslash, so
    /// that it reads the same whatever <c>standard_conforming_strings</c> is.
    /// </summary>
    public static string Literal(string value) =>
        value.Contains('\\', StringComparison.Ordinal)
            ? "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'"
            : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private List<PlannedStatement> BuildStatements()
    {
        const string Store = "the schema and its version table";
        var statements = new List<PlannedStatement>
        {
            new($"CREATE SCHEMA IF NOT EXISTS {Context.Schema.Quoted}", Store),
            new($"CREATE TABLE IF NOT EXISTS {versionTable} (version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", Store),
        };
        foreach (var migration in Due)
        {
            var section = string.Create(CultureInfo.InvariantCulture, $"migration {migration.Version}: {migration.Description}");
            statements.AddRange(migration.Statements(Context).Select(sql => new PlannedStatement(sql, section)));
            statements.Add(new(
                string.Create(CultureInfo.InvariantCulture, $"INSERT INTO {versionTable} (version, description) VALUES ({migration.Version}, {Literal(migration.Description)})"),
                section));
        }

        if (Target >= EventStoreSchema.CompatibilityRecordedFrom)
        {
            statements.Add(new(
                string.Create(CultureInfo.InvariantCulture, $"UPDATE {versionTable} SET compatible_from = {EventStoreSchema.OldestCompatibleVersion} WHERE version = {Target}"),
                "the oldest library version the schema stays compatible with"));
        }

        return statements;
    }
}
