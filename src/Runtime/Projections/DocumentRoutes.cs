using System.Globalization;

namespace ProjectionGen;

/// <summary>
/// Where a multi-stream projection's events go in one batch: generated code adds each event with the ids its
/// <c>Identity</c> or <c>Identities</c> method returned, loads <see cref="DocumentIds"/> in one query, and applies the
/// events <see cref="InDocumentOrder"/>. Ids are stored as text: a <see cref="Guid"/> in its lower-case "D" form,
/// integers in invariant decimal.
/// </summary>
public sealed class DocumentRoutes
{
    private readonly Dictionary<string, List<EventEnvelope>> byDocument = new(StringComparer.Ordinal);
    private readonly List<string> order = [];
    private readonly HashSet<string> ofEvent = new(StringComparer.Ordinal);

    /// <summary>The distinct ids of every routed event's documents, in the order they were first routed to.</summary>
    public IReadOnlyCollection<string> DocumentIds => order;

    /// <summary>How many event-to-document routes were added.</summary>
    public int Count { get; private set; }

    /// <summary>Routes <paramref name="envelope"/> to the document <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">The id is null or empty.</exception>
    public void Add(EventEnvelope envelope, string id)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Route(envelope, Checked(id, envelope));
    }

    /// <summary>Routes <paramref name="envelope"/> to the document <paramref name="id"/>.</summary>
    public void Add(EventEnvelope envelope, Guid id) => Add(envelope, Format(id));

    /// <summary>Routes <paramref name="envelope"/> to the document <paramref name="id"/>.</summary>
    public void Add(EventEnvelope envelope, int id) => Add(envelope, Format(id));

    /// <summary>Routes <paramref name="envelope"/> to the document <paramref name="id"/>.</summary>
    public void Add(EventEnvelope envelope, long id) => Add(envelope, Format(id));

    /// <summary>Routes <paramref name="envelope"/> to each document of <paramref name="ids"/> once (repeated ids count once; none is allowed).</summary>
    /// <exception cref="ArgumentException">An id is null or empty, or <paramref name="ids"/> is null.</exception>
    public void Add(EventEnvelope envelope, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (ids is null)
        {
            throw new ArgumentException($"The Identities route of event {envelope.Sequence} ({envelope.EventType}) returned null; return an empty sequence to route it nowhere.", nameof(ids));
        }

        ofEvent.Clear();
        foreach (var id in ids)
        {
            if (ofEvent.Add(Checked(id, envelope)))
            {
                Route(envelope, id);
            }
        }
    }

    /// <summary>Routes <paramref name="envelope"/> to each document of <paramref name="ids"/> once.</summary>
    public void Add(EventEnvelope envelope, IEnumerable<Guid> ids) => Add(envelope, ids?.Select(Format)!);

    /// <summary>Routes <paramref name="envelope"/> to each document of <paramref name="ids"/> once.</summary>
    public void Add(EventEnvelope envelope, IEnumerable<int> ids) => Add(envelope, ids?.Select(Format)!);

    /// <summary>Routes <paramref name="envelope"/> to each document of <paramref name="ids"/> once.</summary>
    public void Add(EventEnvelope envelope, IEnumerable<long> ids) => Add(envelope, ids?.Select(Format)!);

    /// <summary>
    /// The routes grouped by document (documents in the order they were first routed to), each document's events in
    /// the order they were added, which is sequence order.
    /// </summary>
    public IEnumerable<DocumentRoute> InDocumentOrder()
    {
        foreach (var id in order)
        {
            foreach (var envelope in byDocument[id])
            {
                yield return new DocumentRoute(id, envelope);
            }
        }
    }

    /// <summary>The text form of a <see cref="Guid"/> id.</summary>
    public static string Format(Guid id) => id.ToString("D");

    /// <summary>The text form of an <see cref="int"/> id.</summary>
    public static string Format(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The text form of a <see cref="long"/> id.</summary>
    public static string Format(long id) => id.ToString(CultureInfo.InvariantCulture);

    private void Route(EventEnvelope envelope, string id)
    {
        if (!byDocument.TryGetValue(id, out var events))
        {
            byDocument[id] = events = [];
            order.Add(id);
        }

        events.Add(envelope);
        Count++;
    }

    private static string Checked(string? id, EventEnvelope envelope) =>
        string.IsNullOrEmpty(id)
            ? throw new ArgumentException($"The route of event {envelope.Sequence} ({envelope.EventType}, stream '{envelope.StreamId}') returned a null or empty document id.", nameof(id))
            : id;
}
