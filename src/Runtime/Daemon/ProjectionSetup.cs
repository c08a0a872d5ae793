using System.Text.Json.Serialization.Metadata;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>Everything the daemon derives once, at start-up, for one generated projection.</summary>
internal sealed class ProjectionSetup
{
    public ProjectionSetup(
        IGeneratedProjection projection,
        ProjectionLockKey lockKey,
        string[] eventTypeNames,
        int batchSize,
        int maxRetries,
        DocumentTable? documentTable,
        JsonTypeInfo? documentTypeInfo)
    {
        Projection = projection;
        LockKey = lockKey;
        EventTypeNames = eventTypeNames;
        BatchSize = batchSize;
        MaxRetries = maxRetries;
        DocumentTable = documentTable;
        DocumentTypeInfo = documentTypeInfo;
    }

    public IGeneratedProjection Projection { get; }

    public ProjectionDescriptor Descriptor => Projection.Descriptor;

    public string Name => Projection.Descriptor.Name;

    public ProjectionLockKey LockKey { get; }

    /// <summary>The stored names of the handled event types: the daemon reads only these.</summary>
    public string[] EventTypeNames { get; }

    public int BatchSize { get; }

    public int MaxRetries { get; }

    public PoisonEventPolicy OnPoisonEvent => Projection.Descriptor.OnPoisonEvent;

    /// <summary>For aggregate projections, the document table.</summary>
    public DocumentTable? DocumentTable { get; }

    /// <summary>For aggregate projections, the document's serialization contract.</summary>
    public JsonTypeInfo? DocumentTypeInfo { get; }
}
