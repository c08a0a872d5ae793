namespace ProjectionGen.Generators.Model;

/// <summary>What the generated dispatch passes for one parameter of a user's method.</summary>
internal enum ArgumentKind
{
    /// <summary>The event itself (<c>e</c>).</summary>
    Event,

    /// <summary>The stream's document (<c>doc</c>), aggregate projections only.</summary>
    Document,

    /// <summary><c>envelope.Metadata</c>.</summary>
    Metadata,

    /// <summary><c>batch.Writer</c>.</summary>
    Writer,

    /// <summary>The batch's cancellation token.</summary>
    CancellationToken,
}
