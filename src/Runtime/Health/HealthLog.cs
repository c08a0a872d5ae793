using Microsoft.Extensions.Logging;

namespace ProjectionGen.Health;

/// <summary>
/// Log messages of health sampling, with stable event ids in the hosting range (1100-1199). Messages never carry
/// connection strings.
/// </summary>
internal static partial class HealthLog
{
    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Sampling the projection status failed on node {Node} ({Error}); health reports degraded until a sample succeeds")]
    public static partial void SampleFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Projection {Projection} runs on node {Node} under epoch {Epoch}, superseded by epoch {CurrentEpoch}: stopping the agent")]
    public static partial void SupersededAgentStopped(ILogger logger, string projection, string node, long epoch, long currentEpoch);
}
