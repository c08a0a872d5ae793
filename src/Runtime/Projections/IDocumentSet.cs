namespace ProjectionGen;

/// <summary>The documents of an aggregate projection touched by one batch: loaded in one query, written back in one set-based statement.</summary>
/// <typeparam name="TDocument">The document type.</typeparam>
public interface IDocumentSet<TDocument> where TDocument : class
{
    /// <summary>Loads the current documents of every stream in the batch (one query).</summary>
    ValueTask LoadAsync(CancellationToken cancellationToken);

    /// <summary>The stream's document as of the events applied so far, or <see langword="null"/>.</summary>
    TDocument? Find(string streamId);

    /// <summary>Sets the stream's document; it is written at commit.</summary>
    void Store(string streamId, TDocument document);

    /// <summary>Deletes the stream's document at commit.</summary>
    void Delete(string streamId);
}
