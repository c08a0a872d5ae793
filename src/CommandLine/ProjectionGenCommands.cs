using System.CommandLine;

namespace ProjectionGen.CommandLine;

/// <summary>
/// The ProjectionGen commands on System.CommandLine (docs/operations.md, "Command line"): the <c>projections</c> tree,
/// <c>db apply|assert|script</c> and <c>events import</c>, to add to an application's own root command, the root of a
/// host (<see cref="ProjectionGenHostCommandExtensions.RunProjectionGenCommandsAsync"/>) and the <c>projectiongen</c>
/// tool's root. Every command takes <c>--json</c> and <c>--verbose</c>; exit codes are <see cref="ProjectionGenExitCodes"/>.
/// </summary>
public static class ProjectionGenCommands
{
    /// <summary>The environment variable the tool reads the connection string from when <c>--connection</c> is not given.</summary>
    public const string ConnectionEnvironmentVariable = "PROJECTIONGEN_CONNECTION";

    /// <summary>The first words of the command lines these commands answer.</summary>
    public static IReadOnlyList<string> CommandNames { get; } = ["projections", "db", "events"];

    /// <summary>
    /// The <c>projections</c> command: status, rebuild (in place or <c>--shadow</c>), switch-back, retire, drain,
    /// undrain, resume, history and <c>dead-letters list|show|retry|discard</c>, over the target <paramref name="open"/> opens.
    /// </summary>
    public static Command CreateProjectionsCommand(ProjectionGenCommandTargetFactory open)
    {
        var runner = Runner(open);
        var command = new Command("projections", "Status, rebuilds, versions, drains, resumes, history and dead letters of the projections") { runner.Json, runner.Verbose };
        foreach (var child in new ProjectionsCommands(runner).Create(withCode: true))
        {
            command.Add(child);
        }

        return command;
    }

    /// <summary>The <c>db</c> command: <c>apply</c>, <c>assert</c> and <c>script</c>, over the target <paramref name="open"/> opens.</summary>
    public static Command CreateDatabaseCommand(ProjectionGenCommandTargetFactory open)
    {
        var runner = Runner(open);
        var command = new DatabaseCommands(runner).Create();
        command.Add(runner.Json);
        command.Add(runner.Verbose);
        return command;
    }

    /// <summary>The <c>events</c> command: <c>import</c> (JSON lines through the store's append function).</summary>
    public static Command CreateEventsCommand(ProjectionGenCommandTargetFactory open)
    {
        var runner = Runner(open);
        var command = new EventCommands(runner).Create();
        command.Add(runner.Json);
        command.Add(runner.Verbose);
        return command;
    }

    /// <summary>
    /// A root command for a host built with <c>AddProjectionGen</c>: <c>projections</c>, <c>db</c> and <c>events</c>
    /// over the host's services (<see cref="ProjectionGenCommandTarget.FromServices"/>); the host need not be started.
    /// </summary>
    public static RootCommand CreateHostRootCommand(IServiceProvider services, string description = "ProjectionGen commands of this application")
    {
        ArgumentNullException.ThrowIfNull(services);
        ProjectionGenCommandTargetFactory open = (_, _) => Task.FromResult(ProjectionGenCommandTarget.FromServices(services));
        return new RootCommand(description) { CreateProjectionsCommand(open), CreateDatabaseCommand(open), CreateEventsCommand(open) };
    }

    /// <summary>
    /// The <c>projectiongen</c> tool's root: everything that needs no projection code (status, drain, undrain, resume,
    /// history, dead letters but their retry, <c>db</c>, <c>events import</c>) against <c>--connection</c> or
    /// <see cref="ConnectionEnvironmentVariable"/>, in <c>--schema</c>.
    /// </summary>
    public static RootCommand CreateToolRootCommand()
    {
        var connection = new Option<string?>("--connection") { Description = $"the Npgsql connection string (default: the {ConnectionEnvironmentVariable} environment variable); never printed", Recursive = true };
        var schema = new Option<string>("--schema") { Description = "the store's schema", DefaultValueFactory = _ => "projectiongen", Recursive = true };
        ProjectionGenCommandTargetFactory open = (parseResult, _) =>
        {
            var text = parseResult.GetValue(connection);
            if (string.IsNullOrWhiteSpace(text))
            {
                text = Environment.GetEnvironmentVariable(ConnectionEnvironmentVariable);
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CommandFailedException($"no connection string: pass --connection or set {ConnectionEnvironmentVariable}", ProjectionGenExitCodes.Usage);
            }

            return Task.FromResult(ProjectionGenCommandTarget.FromConnectionString(text, parseResult.GetValue(schema)!));
        };

        var runner = Runner(open);
        var root = new RootCommand("projectiongen: operate ProjectionGen projections and their database (docs/operations.md, \"Command line\")")
        {
            connection, schema, runner.Json, runner.Verbose,
        };
        foreach (var child in new ProjectionsCommands(runner).Create(withCode: false))
        {
            root.Add(child);
        }

        root.Add(new DatabaseCommands(runner).Create());
        root.Add(new EventCommands(runner).Create());
        return root;
    }

    /// <summary>Whether <paramref name="args"/> is one of these commands (starts with one of <see cref="CommandNames"/>).</summary>
    public static bool IsProjectionGenCommand(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count > 0 && CommandNames.Contains(args[0], StringComparer.Ordinal);
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>. A usage error (unknown command or
    /// option, missing argument) writes the errors and a pointer to <c>--help</c> and returns
    /// <see cref="ProjectionGenExitCodes.Usage"/>; a command's own failure is one line on <paramref name="error"/>.
    /// </summary>
    /// <param name="root">The root command.</param>
    /// <param name="args">The command line, without the executable.</param>
    /// <param name="output">Where results go (default: standard output).</param>
    /// <param name="error">Where errors go (default: standard error).</param>
    /// <param name="commandName">The name the usage hint gives the program (default: the root command's, the executable's name).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The exit code, one of <see cref="ProjectionGenExitCodes"/>.</returns>
    public static async Task<int> InvokeAsync(RootCommand root, IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, string? commandName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        error ??= Console.Error;
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // "Required command was not provided" says nothing when another error names the word it did not understand.
            var errors = parseResult.Errors.Count > 1
                ? parseResult.Errors.Where(e => e.SymbolResult is not System.CommandLine.Parsing.CommandResult { Tokens.Count: 0 } || e.Message.Contains('\'', StringComparison.Ordinal)).ToList()
                : [.. parseResult.Errors];
            foreach (var parseError in errors.Count > 0 ? errors : [.. parseResult.Errors])
            {
                await error.WriteLineAsync("error: " + TerminalText.Inert(parseError.Message)).ConfigureAwait(false);
            }

            var path = string.Join(' ', new[] { commandName ?? root.Name }.Concat(CommandPath(parseResult)));
            await error.WriteLineAsync($"usage: see '{path} --help'").ConfigureAwait(false);
            return ProjectionGenExitCodes.Usage;
        }

        if (commandName is not null && commandName != root.Name && parseResult.Action is System.CommandLine.Help.HelpAction)
        {
            // Help under the program's own name: System.CommandLine names the root after the entry assembly (the tool's
            // is ProjectionGen.Tool: an assembly named projectiongen would shadow the runtime's ProjectionGen, as
            // assembly names are case-insensitive), so the usage lines of the help text are renamed.
            using var help = new StringWriter();
            var exit = await parseResult.InvokeAsync(new InvocationConfiguration { Output = help, Error = error }, cancellationToken).ConfigureAwait(false);
            var usagePrefix = "  " + root.Name;
            var lines = help.ToString().Split(Environment.NewLine)
                .Select(line => line.StartsWith(usagePrefix + " ", StringComparison.Ordinal) || line == usagePrefix ? "  " + commandName + line[usagePrefix.Length..] : line);
            await output.WriteAsync(string.Join(Environment.NewLine, lines)).ConfigureAwait(false);
            return exit;
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static Stack<string> CommandPath(ParseResult parseResult)
    {
        var names = new Stack<string>();
        for (var result = parseResult.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names;
    }

    private static CommandRunner Runner(ProjectionGenCommandTargetFactory open)
    {
        ArgumentNullException.ThrowIfNull(open);
        return new CommandRunner(open);
    }
}
