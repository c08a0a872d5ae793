namespace ProjectionGen.Operations;

/// <summary>What <see cref="ProjectionDeadLetters.RetryAsync"/> did.</summary>
/// <param name="Id">The dead letter.</param>
/// <param name="Applied">Whether the event was applied and the dead letter removed.</param>
/// <param name="Epoch">The epoch the retry fenced the owner with, when applied.</param>
/// <param name="Error">Why it was not applied (the handler failed again, the event is unreadable), when not applied.</param>
public sealed record DeadLetterRetryResult(long Id, bool Applied, long? Epoch, string? Error);
