using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ProjectionGen.Operations;

namespace ProjectionGen.CommandLine;

/// <summary><c>dead-letters list|show|retry|discard</c> (docs/operations.md, "Command line"); <c>retry</c> needs the projections' code.</summary>
internal sealed class DeadLetterCommands(CommandRunner runner)
{
    public Command Create(bool withCode)
    {
        var command = new Command("dead-letters", withCode ? "Events a projection could not apply: list, show, retry, discard" : "Events a projection could not apply: list, show, discard (retry from the application's own host)")
        {
            List(), Show(),
        };
        if (withCode)
        {
            command.Add(Retry());
        }

        command.Add(Discard());
        return command;
    }

    private Command List()
    {
        var limit = new Option<int>("--limit") { Description = "at most this many, newest first", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "The newest dead letters") { limit };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var deadLetters = context.Target.DeadLetters();
            var entries = await deadLetters.ReadAsync(Math.Max(1, context.ParseResult.GetValue(limit)), context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                await context.WriteRawAsync(new JsonArray([.. entries.Select(e => (JsonNode)ToJson(e, withPayload: false))]).ToJsonString()).ConfigureAwait(false);
                return ProjectionGenExitCodes.Ok;
            }

            var total = await deadLetters.CountAsync(context.CancellationToken).ConfigureAwait(false);
            var table = new TextTable("id", "projection", "seq", "stream", "type", "attempts", "created", "reason");
            foreach (var e in entries)
            {
                table.Add(Invariant(e.Id), e.Projection, Invariant(e.Sequence), e.StreamId, e.EventType, Invariant(e.Attempts),
                    e.CreatedAt.ToString("u", CultureInfo.InvariantCulture), e.Reason);
            }

            await context.WriteRawAsync(total == 0
                ? "No dead letters."
                : table.Render() + Environment.NewLine + $"{Invariant(entries.Count)} of {Invariant(total)} shown; 'dead-letters show <id>' for the exception and the payload.").ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Show()
    {
        var id = IdArgument();
        var command = new Command("show", "One dead letter with its exception and the event's payload") { id };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var entry = await context.Target.DeadLetters().FindAsync(context.ParseResult.GetValue(id), context.CancellationToken).ConfigureAwait(false)
                ?? throw NotFound(context.ParseResult.GetValue(id));
            if (context.Json)
            {
                await context.WriteRawAsync(ToJson(entry, withPayload: true).ToJsonString()).ConfigureAwait(false);
                return ProjectionGenExitCodes.Ok;
            }

            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"id:         {entry.Id}")
                .AppendLine(CultureInfo.InvariantCulture, $"projection: {entry.Projection}")
                .AppendLine(CultureInfo.InvariantCulture, $"event:      seq {entry.Sequence}, stream {entry.StreamId}, type {entry.EventType}")
                .AppendLine(CultureInfo.InvariantCulture, $"recorded:   {entry.CreatedAt:u} by {entry.Node ?? "?"} at epoch {entry.Epoch?.ToString(CultureInfo.InvariantCulture) ?? "?"}, {entry.Attempts} attempt(s)")
                .AppendLine(CultureInfo.InvariantCulture, $"reason:     {entry.Reason}")
                .AppendLine("exception:")
                .AppendLine(entry.Exception ?? "(none)")
                .AppendLine("payload:")
                .Append(entry.Payload ?? "(the event is gone)");
            await context.WriteRawAsync(TerminalText.Inert(text.ToString())).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Retry()
    {
        var id = IdArgument();
        var command = new Command("retry", "Apply a dead letter's event through its projection now (fenced like a batch), and delete it when that succeeds") { id };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var number = context.ParseResult.GetValue(id);
            var result = await context.Target.DeadLetters().RetryAsync(number, context.CancellationToken).ConfigureAwait(false) ?? throw NotFound(number);
            if (!result.Applied)
            {
                throw new CommandFailedException($"dead letter {Invariant(number)} failed again: {result.Error}; it is kept with one more attempt");
            }

            await context.WriteAsync(
                $"Dead letter {Invariant(number)} applied at epoch {result.Epoch?.ToString(CultureInfo.InvariantCulture) ?? "?"} and deleted.",
                new JsonObject { ["id"] = number, ["applied"] = true, ["epoch"] = result.Epoch }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private Command Discard()
    {
        var id = IdArgument();
        var command = new Command("discard", "Delete a dead letter without applying its event") { id };
        runner.AddTenant(command);
        runner.SetAction(command, async context =>
        {
            var number = context.ParseResult.GetValue(id);
            if (!await context.Target.DeadLetters().DiscardAsync(number, context.CancellationToken).ConfigureAwait(false))
            {
                throw NotFound(number);
            }

            await context.WriteAsync($"Dead letter {Invariant(number)} discarded.", new JsonObject { ["id"] = number, ["discarded"] = true }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private static JsonObject ToJson(DeadLetterEntry e, bool withPayload)
    {
        var json = new JsonObject
        {
            ["id"] = e.Id, ["projection"] = e.Projection, ["sequence"] = e.Sequence, ["streamId"] = e.StreamId, ["eventType"] = e.EventType,
            ["epoch"] = e.Epoch, ["node"] = e.Node, ["reason"] = e.Reason, ["attempts"] = e.Attempts, ["createdAt"] = e.CreatedAt,
        };
        if (withPayload)
        {
            json["exception"] = e.Exception;
            json["payload"] = e.Payload;
        }

        return json;
    }

    private static Argument<long> IdArgument() => new("id") { Description = "the dead letter's id, as list shows it" };

    private static CommandFailedException NotFound(long id) => new($"no dead letter with id {Invariant(id)}");

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
