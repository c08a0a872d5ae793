using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ProjectionGen.Operations;

namespace ProjectionGen.CommandLine;

/// <summary>
/// <c>events import</c>: events as JSON lines, written through the store's append function with their bodies as given
/// (the way to write events of a type no longer in the code; docs/operations.md, "Importing events from JSON lines").
/// </summary>
internal sealed class EventCommands(CommandRunner runner)
{
    public Command Create() => new("events", "Events: import them from JSON lines") { Import() };

    private Command Import()
    {
        var file = new Option<string?>("--file") { Description = "the JSON lines file to read; '-' or none for standard input" };
        var batch = new Option<int>("--batch") { Description = "events per transaction", DefaultValueFactory = _ => EventImportOptions.DefaultEventsPerTransaction };
        var command = new Command("import", "Append events from JSON lines, one event per line: {\"stream\", \"streamType\", \"type\", \"body\", \"expectedVersion\", \"correlationId\", \"causationId\", \"tenant\"}")
        {
            file, batch,
        };
        runner.SetAction(command, async context =>
        {
            var path = context.ParseResult.GetValue(file);
            var size = context.ParseResult.GetValue(batch);
            if (size < 1)
            {
                throw new CommandFailedException("--batch must be at least 1", ProjectionGenExitCodes.Usage);
            }

            var fromFile = path is not null and not "-";
            TextReader reader = fromFile ? OpenFile(path!) : Console.In;
            EventImportResult result;
            try
            {
                result = await new ProjectionEventImporter(context.Target.Store)
                    .ImportAsync(reader, new EventImportOptions { EventsPerTransaction = size }, cancellationToken: context.CancellationToken).ConfigureAwait(false);
            }
            catch (EventImportException failure)
            {
                throw new CommandFailedException(failure.Message + $" ({Invariant(failure.Committed.Events)} events of lines 1-{Invariant(failure.Committed.LastLine)} were committed before it)");
            }
            finally
            {
                if (fromFile)
                {
                    reader.Dispose();
                }
            }

            await context.WriteAsync(
                $"Imported {Invariant(result.Events)} events into {Invariant(result.Streams)} streams in {Invariant(result.Transactions)} transactions"
                + (result.LastSequence is { } last ? $"; last sequence {Invariant(last)}." : "."),
                new JsonObject
                {
                    ["events"] = result.Events, ["streams"] = result.Streams, ["calls"] = result.Calls,
                    ["transactions"] = result.Transactions, ["lastSequence"] = result.LastSequence,
                }).ConfigureAwait(false);
            return ProjectionGenExitCodes.Ok;
        });
        return command;
    }

    private static StreamReader OpenFile(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"cannot read {path}: {failure.Message}");
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
