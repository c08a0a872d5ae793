namespace ProjectionGen;

/// <summary>The shape of a projection.</summary>
public enum ProjectionKind
{
    /// <summary>Handlers queue SQL commands into the batch's transaction.</summary>
    Event = 0,

    /// <summary>One JSON document per stream, created, applied and deleted by the projection's methods.</summary>
    Aggregate = 1,
}
