using Microsoft.Extensions.Logging;

namespace ProjectionGen.Operations;

/// <summary>
/// Log messages of the public operations, with stable event ids in the hosting range (1100-1199). Messages never carry
/// connection strings.
/// </summary>
internal static partial class OperationsLog
{
    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Projection {Projection} rebuilt: epoch {Epoch}, position reset from {PreviousPosition} to 0, read model cleared; the owner is fenced and a node replays it")]
    public static partial void Rebuilt(ILogger logger, string projection, long epoch, long previousPosition);
}
