using System.CommandLine;

namespace ProjectionGen.CommandLine;

/// <summary>
/// Opens what a command acts on, once per command run: from the host's services, or from a connection string the
/// command line gave (the tool's <c>--connection</c>, a sample's own option). The command disposes the target.
/// </summary>
/// <param name="parseResult">The parsed command line (read your own options from it).</param>
/// <param name="cancellationToken">Cancels the open.</param>
public delegate Task<ProjectionGenCommandTarget> ProjectionGenCommandTargetFactory(ParseResult parseResult, CancellationToken cancellationToken);
