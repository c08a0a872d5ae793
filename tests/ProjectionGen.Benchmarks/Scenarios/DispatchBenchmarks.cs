using System.Linq.Expressions;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using ProjectionGen.Benchmarks.Workload;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// Dispatch cost: the same handlers of <see cref="BalanceProjection"/> dispatched three ways over one in-memory batch of
/// <see cref="EventsPerBatch"/> events: the generated <c>RunBatchAsync</c>, <see cref="MethodInfo.Invoke(object, object[])"/>
/// per event, and delegates compiled from expression trees. Each touches the document set alike (find, create or apply, store).
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    /// <summary>Events per benchmark invocation.</summary>
    public const int EventsPerBatch = 1_000;

    private readonly IGeneratedProjection generated = new BalanceProjection();
    private readonly Dictionary<Type, (MethodInfo? Create, MethodInfo? Apply)> reflection = [];
    private readonly Dictionary<Type, (Func<object, BalanceSummary>? Create, Action<object, BalanceSummary>? Apply)> compiled = [];
    private InMemoryBatch batch = null!;

    /// <summary>Builds the batch and both handler tables.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var events = new List<EventEnvelope>(EventsPerBatch);
        var timestamp = DateTimeOffset.UtcNow;
        for (var i = 0; i < EventsPerBatch; i++)
        {
            var stream = i % 100;
            var data = WorkloadPlan.Create(stream, i / 100);
            events.Add(new EventEnvelope(i + 1, WorkloadPlan.StreamKey(stream), i / 100 + 1, data.GetType().Name, data, timestamp));
        }

        batch = new InMemoryBatch(events);
        var methods = typeof(BalanceProjection).GetMethods(BindingFlags.Public | BindingFlags.Static);
        foreach (var eventType in new[] { typeof(FundsDeposited), typeof(FundsWithdrawn) })
        {
            var create = methods.SingleOrDefault(m => m.Name == "Create" && m.GetParameters()[0].ParameterType == eventType);
            var apply = methods.SingleOrDefault(m => m.Name == "Apply" && m.GetParameters()[0].ParameterType == eventType);
            reflection[eventType] = (create, apply);
            compiled[eventType] = (create is null ? null : CompileCreate(create, eventType), apply is null ? null : CompileApply(apply, eventType));
        }
    }

    /// <summary>The source-generated dispatch: a type switch calling the handlers directly.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerBatch, Description = "generated (RunBatchAsync)")]
    public ValueTask Generated() => generated.RunBatchAsync(batch, CancellationToken.None);

    /// <summary>Reflection: a handler table by event type and <see cref="MethodInfo.Invoke(object, object[])"/> per event.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerBatch, Description = "reflection (MethodInfo.Invoke)")]
    public void Reflection()
    {
        var documents = batch.Set;
        foreach (var envelope in batch.Events)
        {
            var data = envelope.Data!;
            var (create, apply) = reflection[data.GetType()];
            var document = documents.Find(envelope.StreamId);
            if (document is null)
            {
                if (create is not null)
                {
                    documents.Store(envelope.StreamId, (BalanceSummary)create.Invoke(null, [data])!);
                }
            }
            else if (apply is not null)
            {
                apply.Invoke(null, [data, document]);
                documents.Store(envelope.StreamId, document);
            }
        }
    }

    /// <summary>Compiled expression trees: a delegate table by event type.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerBatch, Description = "compiled expressions")]
    public void Compiled()
    {
        var documents = batch.Set;
        foreach (var envelope in batch.Events)
        {
            var data = envelope.Data!;
            var (create, apply) = compiled[data.GetType()];
            var document = documents.Find(envelope.StreamId);
            if (document is null)
            {
                if (create is not null)
                {
                    documents.Store(envelope.StreamId, create(data));
                }
            }
            else if (apply is not null)
            {
                apply(data, document);
                documents.Store(envelope.StreamId, document);
            }
        }
    }

    /// <summary>The document count after a run (the three must agree).</summary>
    public int Documents => batch.Set.Count;

    private static Func<object, BalanceSummary> CompileCreate(MethodInfo create, Type eventType)
    {
        var data = Expression.Parameter(typeof(object), "data");
        return Expression.Lambda<Func<object, BalanceSummary>>(Expression.Call(create, Expression.Convert(data, eventType)), data).Compile();
    }

    private static Action<object, BalanceSummary> CompileApply(MethodInfo apply, Type eventType)
    {
        var data = Expression.Parameter(typeof(object), "data");
        var document = Expression.Parameter(typeof(BalanceSummary), "document");
        return Expression.Lambda<Action<object, BalanceSummary>>(Expression.Call(apply, Expression.Convert(data, eventType), document), data, document).Compile();
    }

    /// <summary>A batch held in memory: no database, a dictionary of documents, a commit that does nothing.</summary>
    private sealed class InMemoryBatch : IProjectionBatch
    {
        public InMemoryBatch(IReadOnlyList<EventEnvelope> events)
        {
            Events = events;
            ToPosition = events[^1].Sequence;
        }

        public InMemoryDocuments Set { get; } = new();

        public string ProjectionName => "bench_balance";

        public long Epoch => 1;

        public long FromPosition => 0;

        public long ToPosition { get; }

        public IReadOnlyList<EventEnvelope> Events { get; }

        public IProjectionWriter Writer => throw new NotSupportedException("The aggregate writes no SQL.");

        public IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class =>
            Set as IDocumentSet<TDocument> ?? throw new NotSupportedException($"Only {nameof(BalanceSummary)} documents are kept.");

        public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>Documents by stream id.</summary>
    private sealed class InMemoryDocuments : IDocumentSet<BalanceSummary>
    {
        private readonly Dictionary<string, BalanceSummary> documents = new(StringComparer.Ordinal);

        public int Count => documents.Count;

        public ValueTask LoadAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask LoadAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public BalanceSummary? Find(string streamId) => documents.GetValueOrDefault(streamId);

        public void Store(string streamId, BalanceSummary document) => documents[streamId] = document;

        public void Delete(string streamId) => documents.Remove(streamId);
    }
}
