namespace ProjectionGen.EventStore;

/// <summary>What an append wrote.</summary>
/// <param name="FirstSequence">The global sequence number of the first appended event.</param>
/// <param name="LastSequence">The global sequence number of the last appended event.</param>
/// <param name="StreamVersion">The stream's version after the append (the version of its last event).</param>
public readonly record struct AppendResult(long FirstSequence, long LastSequence, long StreamVersion);
