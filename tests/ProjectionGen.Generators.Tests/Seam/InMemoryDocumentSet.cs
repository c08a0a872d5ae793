namespace ProjectionGen.Generators.Tests.Seam;

/// <summary>An <see cref="IDocumentSet{TDocument}"/> over a dictionary: stores and deletes are visible to later finds, as the runtime's are.</summary>
internal sealed class InMemoryDocumentSet<TDocument>(List<string> timeline, Dictionary<string, object> documents) : IDocumentSet<TDocument>
    where TDocument : class
{
    public ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        timeline.Add("load");
        return ValueTask.CompletedTask;
    }

    public ValueTask LoadAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken)
    {
        timeline.Add($"load {string.Join(", ", documentIds)}");
        return ValueTask.CompletedTask;
    }

    public TDocument? Find(string streamId) => documents.TryGetValue(streamId, out var document) ? (TDocument)document : null;

    public void Store(string streamId, TDocument document) => documents[streamId] = document;

    public void Delete(string streamId)
    {
        timeline.Add($"delete {streamId}");
        documents.Remove(streamId);
    }
}
