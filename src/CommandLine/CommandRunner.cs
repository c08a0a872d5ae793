using System.CommandLine;
using ProjectionGen.Hosting;

namespace ProjectionGen.CommandLine;

/// <summary>
/// Runs one command's body against a target the factory opens, and turns every failure into one line on standard error
/// and an exit code (<see cref="ProjectionGenExitCodes"/>): the stack trace only with <c>--verbose</c>, and never the
/// connection string (failures are described by <see cref="SafeErrorText"/> unless they are the library's own).
/// </summary>
internal sealed class CommandRunner(ProjectionGenCommandTargetFactory open)
{
    /// <summary><c>--json</c>, on every command.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "write JSON (one object per line for streamed progress)", Recursive = true };

    /// <summary><c>--verbose</c>, on every command.</summary>
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "on failure, also write the exception's stack trace", Recursive = true };

    private readonly Dictionary<Command, Option<string?>> tenantOptions = [];

    /// <summary>
    /// Adds <c>--tenant &lt;id&gt;</c> to <paramref name="command"/>: the command then runs against that tenant's own
    /// database (docs/tenancy.md, "Databases per tenant"), found through <see cref="ProjectionGenCommandTarget.TenantSource"/>.
    /// </summary>
    public Option<string?> AddTenant(Command command)
    {
        var option = new Option<string?>("--tenant")
        {
            Description = "run against this tenant's own database (databases per tenant: the host's tenant source, or the master table tenant_databases of --connection)",
            HelpName = "id",
        };
        command.Add(option);
        tenantOptions[command] = option;
        return option;
    }

    /// <summary>Sets <paramref name="command"/>'s action to open the target, run <paramref name="body"/> and dispose the target.</summary>
    public void SetAction(Command command, Func<CommandContext, Task<int>> body) =>
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, body, cancellationToken));

    private async Task<int> RunAsync(ParseResult parseResult, Func<CommandContext, Task<int>> body, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            var target = await open(parseResult, cancellationToken).ConfigureAwait(false);
            await using (target.ConfigureAwait(false))
            {
                var tenant = tenantOptions.TryGetValue(parseResult.CommandResult.Command, out var option) ? parseResult.GetValue(option) : null;
                if (tenant is null)
                {
                    return await body(new CommandContext(parseResult, target, output, parseResult.GetValue(Json), cancellationToken)).ConfigureAwait(false);
                }

                var tenantTarget = await target.ForTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
                await using (tenantTarget.ConfigureAwait(false))
                {
                    return await body(new CommandContext(parseResult, tenantTarget, output, parseResult.GetValue(Json), cancellationToken)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return ProjectionGenExitCodes.Failed;
        }
        catch (Exception failure)
        {
            var (message, exitCode) = Describe(failure);
            await error.WriteLineAsync("error: " + TerminalText.Inert(message)).ConfigureAwait(false);
            if (parseResult.GetValue(Verbose))
            {
                await error.WriteLineAsync(TerminalText.Inert(failure.ToString())).ConfigureAwait(false);
            }

            return exitCode;
        }
    }

    /// <summary>
    /// One line for a failure: the library's own messages (unknown projection, refused operation, invalid argument) as
    /// they are; anything from the driver or the server through <see cref="SafeErrorText"/>, which never carries a
    /// connection string.
    /// </summary>
    internal static (string Message, int ExitCode) Describe(Exception failure) => failure switch
    {
        CommandFailedException own => (own.Message, own.ExitCode),
        Npgsql.NpgsqlException or TimeoutException => (SafeErrorText.Describe(failure), ProjectionGenExitCodes.Failed),
        // The options validator's messages name settings, never their values.
        Microsoft.Extensions.Options.OptionsValidationException invalid => (string.Join("; ", invalid.Failures), ProjectionGenExitCodes.Failed),
        ArgumentException or InvalidOperationException or FormatException => (failure.Message, ProjectionGenExitCodes.Failed),
        _ => (SafeErrorText.Describe(failure), ProjectionGenExitCodes.Failed),
    };
}
