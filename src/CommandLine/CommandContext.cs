using System.CommandLine;
using System.Text.Json.Nodes;

namespace ProjectionGen.CommandLine;

/// <summary>One run of a command: its parsed line, its target, where it writes and whether it writes JSON.</summary>
internal sealed class CommandContext(ParseResult parseResult, ProjectionGenCommandTarget target, TextWriter output, bool json, CancellationToken cancellationToken)
{
    public ParseResult ParseResult { get; } = parseResult;

    public ProjectionGenCommandTarget Target { get; } = target;

    public TextWriter Output { get; } = output;

    public bool Json { get; } = json;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Writes <paramref name="text"/> (inert for a terminal) when not <c>--json</c>, else <paramref name="json"/> on one line.</summary>
    public async Task WriteAsync(string text, JsonNode json)
    {
        await Output.WriteLineAsync(Json ? json.ToJsonString() : TerminalText.Inert(text)).ConfigureAwait(false);
        await Output.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a line of text that needs no JSON form (for example a table already rendered for <c>--json</c> elsewhere).</summary>
    public async Task WriteRawAsync(string text)
    {
        await Output.WriteLineAsync(text).ConfigureAwait(false);
        await Output.FlushAsync(CancellationToken).ConfigureAwait(false);
    }
}
