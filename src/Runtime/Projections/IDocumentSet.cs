namespace ProjectionGen;

/// <summary>
/// The documents of an aggregate projection touched by one batch: loaded in one query, written back in one set-based
/// statement. A single-stream aggregate keys them by stream id; a multi-stream aggregate by the ids its routes return.
/// </summary>
/// <typeparam name="TDocument">The document type.</typeparam>
public interface IDocumentSet<TDocument> where TDocument : class
{
    /// <summary>Loads the current documents of every stream in the batch (one query).</summary>
    ValueTask LoadAsync(CancellationToken cancellationToken);

    /// <summary>Loads the current documents with the given ids (one query); a multi-stream projection's batch calls it once with every routed id.</summary>
    ValueTask LoadAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken);

    /// <summary>The document as of the events applied so far, or <see langword="null"/>.</summary>
    /// <exception cref="InvalidOperationException">The id was not loaded.</exception>
    TDocument? Find(string id);

    /// <summary>Sets the document; it is written at commit.</summary>
    /// <exception cref="InvalidOperationException">The id was not loaded.</exception>
    void Store(string id, TDocument document);

    /// <summary>Deletes the document at commit.</summary>
    /// <exception cref="InvalidOperationException">The id was not loaded.</exception>
    void Delete(string id);
}
