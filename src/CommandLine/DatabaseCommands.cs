using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ProjectionGen.Hosting;

namespace ProjectionGen.CommandLine;

/// <summary>
/// <c>db apply|assert|script</c>: the event store's schema and, when the projections' code is at hand, their document
/// tables and shard indexes (<see cref="ProjectionSchemaInstaller"/>; docs/operations.md, "Upgrading the schema").
/// </summary>
internal sealed class DatabaseCommands(CommandRunner runner)
{
    public Command Create()
    {
        var command = new Command("db", "The database schema: apply it, assert it is current, or print the SQL for review") { Apply(), Assert(), Script() };
        return command;
    }

    private Command Apply()
    {
        var command = new Command("apply", "Apply the missing migrations (and the projections' document tables and indexes), as the schema owner");
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var target = context.Target;
            var before = await CheckAsync(context).ConfigureAwait(false);
            await ProjectionSchemaInstaller.ApplyAsync(target.SchemaConnectionString, target.EventStoreOptions, target.Projections, context.CancellationToken).ConfigureAwait(false);
            var after = await CheckAsync(context).ConfigureAwait(false);
            await context.WriteAsync(
                before.IsCurrent
                    ? $"The schema is current (version {Invariant(after.CurrentVersion)}): nothing to apply."
                    : $"Schema version {Invariant(before.CurrentVersion)} -> {Invariant(after.CurrentVersion)}"
                      + (before.DueMigrations.Count == 0 ? "" : $"; applied migrations {Invariant(before.DueMigrations[0].Version)}-{Invariant(before.DueMigrations[^1].Version)}")
                      + (before.MissingDocumentTables.Count + before.MissingShardIndexes.Count == 0 ? "" : $"; created {string.Join(", ", before.MissingDocumentTables.Concat(before.MissingShardIndexes))}")
                      + (after.IsCurrent ? "." : $"; still not current: {string.Join("; ", after.Differences)}"),
                new JsonObject
                {
                    ["from"] = before.CurrentVersion, ["to"] = after.CurrentVersion, ["current"] = after.IsCurrent,
                    ["applied"] = new JsonArray([.. before.DueMigrations.Select(m => (JsonNode)m.Version)]),
                    ["created"] = new JsonArray([.. before.MissingDocumentTables.Concat(before.MissingShardIndexes).Select(t => (JsonNode)t)]),
                    ["differences"] = new JsonArray([.. after.Differences.Select(d => (JsonNode)d)]),
                }).ConfigureAwait(false);
            return after.IsCurrent ? ProjectionGenExitCodes.Ok : ProjectionGenExitCodes.SchemaMismatch;
        });
        return command;
    }

    private Command Assert()
    {
        var command = new Command("assert", $"Exit 0 when the database is at the schema this library expects, {ProjectionGenExitCodes.SchemaMismatch} (listing what differs) when it is behind or ahead");
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var state = await CheckAsync(context).ConfigureAwait(false);
            await context.WriteAsync(
                state.IsCurrent
                    ? $"The schema is current: version {Invariant(state.CurrentVersion)}."
                    : $"The schema is not current (database {Invariant(state.CurrentVersion)}, expected {Invariant(state.ExpectedVersion)}):" + Environment.NewLine
                      + string.Join(Environment.NewLine, state.Differences.Select(d => "  " + d)),
                new JsonObject
                {
                    ["current"] = state.IsCurrent, ["version"] = state.CurrentVersion, ["expected"] = state.ExpectedVersion,
                    ["differences"] = new JsonArray([.. state.Differences.Select(d => (JsonNode)d)]),
                }).ConfigureAwait(false);
            return state.IsCurrent ? ProjectionGenExitCodes.Ok : ProjectionGenExitCodes.SchemaMismatch;
        });
        return command;
    }

    private Command Script()
    {
        var command = new Command("script", "Print the SQL the next 'db apply' would run, for review (run it with psql -v ON_ERROR_STOP=1 -f)");
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var target = context.Target;
            var script = await ProjectionSchemaInstaller.ScriptAsync(target.SchemaConnectionString, target.EventStoreOptions, target.Projections, context.CancellationToken).ConfigureAwait(false);
            await context.WriteAsync(script.TrimEnd(), new JsonObject { ["script"] = script }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private static Task<ProjectionSchemaState> CheckAsync(CommandContext context) =>
        ProjectionSchemaInstaller.CheckAsync(context.Target.SchemaConnectionString, context.Target.EventStoreOptions, context.Target.Projections, context.CancellationToken);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
