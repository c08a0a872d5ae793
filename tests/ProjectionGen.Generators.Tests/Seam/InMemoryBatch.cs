namespace ProjectionGen.Generators.Tests.Seam;

/// <summary>
/// The runtime seam implemented in memory (not a database mock): events in, a timeline of what the generated code did
/// out. Handlers of the sample projections log into the same timeline, so ordering across handlers, writer and commit
/// is checked as one sequence.
/// </summary>
internal sealed class InMemoryBatch : IProjectionBatch
{
    private long _sequence;

    public InMemoryBatch(List<string> timeline)
    {
        Timeline = timeline;
        Writer = new RecordingWriter(timeline);
    }

    /// <summary>What happened, in order.</summary>
    public List<string> Timeline { get; }

    /// <summary>The aggregate documents by stream id: preload them before the run, read them after.</summary>
    public Dictionary<string, object> Stored { get; } = [];

    /// <summary>How often <see cref="CommitAsync"/> was called.</summary>
    public int Commits { get; private set; }

    /// <summary>Makes the commit fail as it does when the lock was lost.</summary>
    public bool LoseLockAtCommit { get; init; }

    public string ProjectionName => "test";

    public long Epoch => 7;

    public long FromPosition => 0;

    public long ToPosition => _sequence;

    public IReadOnlyList<EventEnvelope> Events => EventList;

    public IProjectionWriter Writer { get; }

    private List<EventEnvelope> EventList { get; } = [];

    /// <summary>Appends an event of <paramref name="streamId"/> with the next sequence number.</summary>
    public InMemoryBatch Add(string streamId, object data, long streamVersion = 1)
    {
        _sequence++;
        EventList.Add(new EventEnvelope(
            _sequence,
            streamId,
            streamVersion,
            data.GetType().Name,
            data,
            DateTimeOffset.UnixEpoch.AddSeconds(_sequence)));
        return this;
    }

    public IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class =>
        new InMemoryDocumentSet<TDocument>(Timeline, Stored);

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        Commits++;
        Timeline.Add("commit");
        return LoseLockAtCommit
            ? throw new ProjectionProgressException("test", "node-a", Epoch, ProjectionProgressFailure.LockLost)
            : ValueTask.CompletedTask;
    }
}
