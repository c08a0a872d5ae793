using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ProjectionGen.Operations;

namespace ProjectionGen.CommandLine;

/// <summary>
/// The <c>projections</c> commands: status, rebuild (in place or <c>--shadow</c>, waiting with progress), switch-back,
/// retire, drain, undrain, resume, history and dead letters (docs/operations.md, "Command line").
/// </summary>
internal sealed class ProjectionsCommands(CommandRunner runner)
{
    /// <summary>Every command, or (<paramref name="withCode"/> false, the tool) those that need no projection code.</summary>
    public IEnumerable<Command> Create(bool withCode)
    {
        yield return Status();
        if (withCode)
        {
            yield return Rebuild();
            yield return SwitchBack();
            yield return Retire();
        }

        yield return Drain(undrain: false);
        yield return Drain(undrain: true);
        yield return Resume();
        yield return History();
        yield return new DeadLetterCommands(runner).Create(withCode);
    }

    private Command Status()
    {
        var allTenants = new Option<bool>("--all-tenants") { Description = "every tenant database's slots in one table (a tenant column; JSON: a tenant field per slot); a tenant database that cannot be read is an error row" };
        var command = new Command("status", "The nodes, and per slot (a projection, a shard, a generation): owner, epoch, position, lag, state and dead letters") { allTenants };
        var tenant = runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            if (context.ParseResult.GetValue(allTenants))
            {
                if (context.ParseResult.GetValue(tenant) is not null)
                {
                    throw new CommandFailedException("--tenant and --all-tenants exclude each other", ProjectionGenExitCodes.Usage);
                }

                return await AllTenantsStatus.WriteAsync(context).ConfigureAwait(false);
            }

            var status = await context.Target.StatusReader().ReadClusterAsync(context.CancellationToken).ConfigureAwait(false);
            await context.WriteRawAsync(context.Json ? ProjectionStatusFormatter.ToJson(status) : TerminalText.Inert(ProjectionStatusFormatter.ToTable(status).TrimEnd())).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Rebuild()
    {
        var projection = new Argument<string>("projection") { Description = "the projection to rebuild" };
        var shadow = new Option<bool>("--shadow") { Description = "build a new generation beside the live one and switch readers once it has caught up (docs/versions.md)" };
        var wait = WaitOptions.Create();
        var command = new Command("rebuild", "Rebuild a projection while nodes run: in place (its owner is fenced, it replays from 0) or --shadow; waits and shows the catch-up unless --no-wait")
        {
            projection, shadow, wait.NoWait, wait.Timeout,
        };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var name = context.ParseResult.GetValue(projection)!;
            if (context.ParseResult.GetValue(shadow))
            {
                var generation = await context.Target.Versions().StartShadowRebuildAsync(name, context.CancellationToken).ConfigureAwait(false);
                await context.WriteAsync(
                    $"Shadow rebuild of {name}: generation {generation} builds beside the live one; readers are switched once it has caught up.",
                    new JsonObject { ["event"] = "started", ["projection"] = name, ["generation"] = generation, ["state"] = "building" }).ConfigureAwait(false);
                return await wait.GenerationAsync(context, name, generation).ConfigureAwait(false);
            }

            var result = await context.Target.Rebuilder().RebuildAsync(name, context.CancellationToken).ConfigureAwait(false);
            await context.WriteAsync(
                $"Rebuilding {result.Projection}: epoch {Invariant(result.Epoch)}, position {Invariant(result.PreviousPosition)} -> 0, read model cleared; the owner ({result.PreviousOwner ?? "none"}) is fenced and a node replays it.",
                new JsonObject
                {
                    ["event"] = "started", ["projection"] = result.Projection, ["epoch"] = result.Epoch,
                    ["previousPosition"] = result.PreviousPosition, ["previousOwner"] = result.PreviousOwner,
                }).ConfigureAwait(false);
            return await wait.RebuildAsync(context, result.Projection, result.Epoch).ConfigureAwait(false);
        });
        return command;
    }

    private Command SwitchBack()
    {
        var (projection, generation) = VersionArguments();
        var wait = WaitOptions.Create();
        var command = new Command("switch-back", "Switch readers back to a kept generation once it has caught up again; waits and shows the catch-up unless --no-wait")
        {
            projection, generation, wait.NoWait, wait.Timeout,
        };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var name = context.ParseResult.GetValue(projection)!;
            var label = context.ParseResult.GetValue(generation)!;
            await context.Target.Versions().SwitchBackAsync(name, label, context.CancellationToken).ConfigureAwait(false);
            await context.WriteAsync(
                $"Switching {name} back to {label}: it catches up from where it stopped, then readers are switched.",
                new JsonObject { ["event"] = "started", ["projection"] = name, ["generation"] = label, ["state"] = "switching" }).ConfigureAwait(false);
            return await wait.GenerationAsync(context, name, label).ConfigureAwait(false);
        });
        return command;
    }

    private Command Retire()
    {
        var (projection, generation) = VersionArguments();
        var command = new Command("retire", "Retire a kept generation: drop its tables and its progress rows") { projection, generation };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var name = context.ParseResult.GetValue(projection)!;
            var label = context.ParseResult.GetValue(generation)!;
            await context.Target.Versions().RetireAsync(name, label, context.CancellationToken).ConfigureAwait(false);
            await context.WriteAsync(
                $"Retired generation {label} of {name}: its tables are dropped, its progress rows deleted.",
                new JsonObject { ["event"] = "retired", ["projection"] = name, ["generation"] = label }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Drain(bool undrain)
    {
        var node = new Argument<string>("node") { Description = "the node's name, as status shows it" };
        var command = undrain
            ? new Command("undrain", "End a node's drain: it takes its share of the slots again") { node }
            : new Command("drain", "Move every slot of a node to the other nodes, each after its current batch") { node };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var name = context.ParseResult.GetValue(node)!;
            var cluster = context.Target.Cluster();
            var found = undrain
                ? await cluster.UndrainAsync(name, context.CancellationToken).ConfigureAwait(false)
                : await cluster.DrainAsync(name, context.CancellationToken).ConfigureAwait(false);
            if (!found)
            {
                throw new CommandFailedException($"no node named '{name}' is registered (see status)");
            }

            await context.WriteAsync(
                undrain ? $"Node {name} is no longer draining: it takes its share again." : $"Node {name} is draining: each of its slots moves to another node after its current batch.",
                new JsonObject { ["node"] = name, ["draining"] = !undrain }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Resume()
    {
        var projection = new Argument<string>("projection") { Description = "the paused projection" };
        var command = new Command("resume", "Resume a projection paused on a poison event, after fixing the handler or the event") { projection };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var name = context.ParseResult.GetValue(projection)!;
            var resumed = await context.Target.Cluster().ResumeAsync(name, context.CancellationToken).ConfigureAwait(false);
            if (resumed.Count == 0 && !await IsKnownAsync(context, name).ConfigureAwait(false))
            {
                throw new CommandFailedException($"unknown projection '{name}' (see status)");
            }

            await context.WriteAsync(
                resumed.Count == 0 ? $"Projection {name} has no paused slot." : $"Resuming {string.Join(", ", resumed)}: the next owner retries from the committed position.",
                new JsonObject { ["projection"] = name, ["resumed"] = new JsonArray([.. resumed.Select(s => (JsonNode)s)]) }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command History()
    {
        var since = new Option<string>("--since") { Description = "how far back: a duration (30m, 2h, 7d) or a timestamp (ISO 8601)", DefaultValueFactory = _ => "1h" };
        var limit = new Option<int>("--limit") { Description = "at most this many entries, newest first", DefaultValueFactory = _ => 100 };
        var command = new Command("history", "Acquisitions, moves, lock losses and rebuilds, newest first") { since, limit };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var from = ParseSince(context.ParseResult.GetValue(since)!);
            var entries = await context.Target.History().ReadAsync(from, Math.Max(1, context.ParseResult.GetValue(limit)), context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                await context.WriteRawAsync(new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject
                {
                    ["id"] = e.Id, ["at"] = e.At, ["kind"] = e.Kind, ["projection"] = e.Projection, ["node"] = e.Node,
                    ["epoch"] = e.Epoch, ["position"] = e.Position, ["detail"] = e.Detail,
                })]).ToJsonString()).ConfigureAwait(false);
                return ProjectionGenExitCodes.Ok;
            }

            var table = new TextTable("at", "kind", "projection", "node", "epoch", "position", "detail");
            foreach (var e in entries)
            {
                table.Add(e.At.ToString("u", CultureInfo.InvariantCulture), e.Kind, e.Projection, e.Node ?? "", e.Epoch?.ToString(CultureInfo.InvariantCulture) ?? "",
                    e.Position?.ToString(CultureInfo.InvariantCulture) ?? "", e.Detail ?? "");
            }

            await context.WriteRawAsync(entries.Count == 0 ? "No history in that window." : table.Render()).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whether <paramref name="projection"/> is in the application's code or has a slot in the store.</summary>
    private static async Task<bool> IsKnownAsync(CommandContext context, string projection)
    {
        if (context.Target.Projections.Any(p => p.Descriptor.Name == projection))
        {
            return true;
        }

        var slots = await context.Target.StatusReader().ReadAsync(context.CancellationToken).ConfigureAwait(false);
        return slots.Any(s => SlotNameOf(s.Projection) == projection);
    }

    private static string SlotNameOf(string slot)
    {
        var end = slot.IndexOfAny(['/', '@']);
        return end < 0 ? slot : slot[..end];
    }

    /// <summary>A duration such as <c>30m</c>, <c>2h</c> or <c>7d</c> back from now, or an ISO 8601 timestamp.</summary>
    internal static DateTimeOffset ParseSince(string text) =>
        Durations.TryParse(text, out var back) ? DateTimeOffset.UtcNow - back
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new CommandFailedException($"--since '{text}' is neither a duration (30m, 2h, 7d) nor a timestamp", ProjectionGenExitCodes.Usage);

    private static (Argument<string> Projection, Argument<string> Generation) VersionArguments() =>
        (new Argument<string>("projection") { Description = "a projection with versions: an aggregate, or an event projection that declares its tables" },
         new Argument<string>("generation") { Description = "a generation label as status shows it (v1, v1b, v2, ...)" });

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
