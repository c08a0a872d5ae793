namespace ProjectionGen.EventStore;

/// <summary>What an append wrote.</summary>
/// <remarks>
/// An append's sequence numbers increase in the order of its events, but concurrent appends draw from the same sequence
/// and may interleave: numbers between <see cref="FirstSequence"/> and <see cref="LastSequence"/> can belong to another
/// append. A reader that has passed <see cref="LastSequence"/> has seen every event of this append.
/// </remarks>
/// <param name="FirstSequence">The global sequence number of the first appended event.</param>
/// <param name="LastSequence">The global sequence number of the last appended event.</param>
/// <param name="StreamVersion">The stream's version after the append (the version of its last event).</param>
public readonly record struct AppendResult(long FirstSequence, long LastSequence, long StreamVersion);
