using System.Text.Json.Serialization.Metadata;
using ProjectionGen.Documents;
using ProjectionGen.Generations;

namespace ProjectionGen.Daemon;

/// <summary>Everything the daemon derives once, at start-up, for one generated projection.</summary>
internal sealed class ProjectionSetup
{
    public ProjectionSetup(
        IGeneratedProjection projection,
        string[] eventTypeNames,
        int batchSize,
        int maxRetries,
        DocumentTable? documentTable,
        JsonTypeInfo? documentTypeInfo,
        ProjectionGeneration generation,
        int catchUpBatchSize = 0,
        IReadOnlyDictionary<string, string>? tables = null)
    {
        Tables = tables;
        CatchUpBatchSize = Math.Max(batchSize, catchUpBatchSize);
        Projection = projection;
        Generation = generation;
        EventTypeNames = eventTypeNames;
        BatchSize = batchSize;
        MaxRetries = maxRetries;
        DocumentTable = documentTable;
        DocumentTypeInfo = documentTypeInfo;
        Shape = ProjectionShape.Of(this);
    }

    /// <summary>What this projection's code reads, registered per generation at start (docs/cluster.md, "Shapes across code versions").</summary>
    public ProjectionShape Shape { get; }

    public IGeneratedProjection Projection { get; }

    public ProjectionDescriptor Descriptor => Projection.Descriptor;

    public string Name => Projection.Descriptor.Name;

    /// <summary>The generation this setup runs (version and lane; docs/versions.md).</summary>
    public ProjectionGeneration Generation { get; }

    /// <summary>The generation's slot key: the projection name for version 1 lane a, else <c>name@v2</c>, <c>name@v1b</c>.</summary>
    public string Key => Generation.Key;

    /// <summary>
    /// Whether the projection has generations (aggregate projections, and event projections that declare their tables),
    /// whose states decide whether nodes run them.
    /// </summary>
    public bool Versioned => Descriptor.Kind == ProjectionKind.Aggregate || Descriptor.Tables.Count > 0;

    /// <summary>
    /// For an event projection that declares its tables, each declared table mapped to the quoted physical copy this
    /// generation writes (docs/versions.md, "Event projections"); otherwise <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Tables { get; }

    /// <summary>How many slots the projection is split into (1: not sharded).</summary>
    public int Shards => Projection.Descriptor.Shards;

    /// <summary>The stored names of the handled event types: the daemon reads only these.</summary>
    public string[] EventTypeNames { get; }

    public int BatchSize { get; }

    /// <summary>The most events per batch while catching up (at least <see cref="BatchSize"/>; see <see cref="ProjectionDaemonOptions.CatchUpBatchSize"/>).</summary>
    public int CatchUpBatchSize { get; }

    public int MaxRetries { get; }

    public PoisonEventPolicy OnPoisonEvent => Projection.Descriptor.OnPoisonEvent;

    /// <summary>For aggregate projections, the document table.</summary>
    public DocumentTable? DocumentTable { get; }

    /// <summary>For aggregate projections, the document's serialization contract.</summary>
    public JsonTypeInfo? DocumentTypeInfo { get; }

    /// <summary>The name of slot <paramref name="shard"/>: the projection's name when it is not sharded, else <c>name/shard</c>.</summary>
    public static string SlotName(string projection, int shard, int shards) =>
        shards == 1 ? projection : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{projection}/{shard}");
}
