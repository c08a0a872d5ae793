namespace ProjectionGen;

/// <summary>What a projection does with an event that its handler keeps failing on, or that cannot be deserialized.</summary>
public enum PoisonEventPolicy
{
    /// <summary>Write the event and the error to the dead-letter table and continue after it.</summary>
    DeadLetter = 0,

    /// <summary>Stop the projection's agent (status Paused) until an operator intervenes.</summary>
    Pause = 1,
}
