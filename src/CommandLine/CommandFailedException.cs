namespace ProjectionGen.CommandLine;

/// <summary>A failure a command reports as one line and an exit code, never with a stack trace.</summary>
internal sealed class CommandFailedException(string message, int exitCode = ProjectionGenExitCodes.Failed) : Exception(message)
{
    /// <summary>The process exit code, one of <see cref="ProjectionGenExitCodes"/>.</summary>
    public int ExitCode { get; } = exitCode;
}
