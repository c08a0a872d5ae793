namespace ProjectionGen;

/// <summary>One event on its way to one document of a multi-stream projection.</summary>
/// <param name="DocumentId">The document's id, as stored in the document table (text).</param>
/// <param name="Envelope">The event.</param>
public readonly record struct DocumentRoute(string DocumentId, EventEnvelope Envelope);
