using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Locking;
using ProjectionGen.Serialization;

namespace ProjectionGen.Daemon;

/// <summary>Builds, once at start-up, a node's projections and their slots, refusing what cannot run safely.</summary>
internal static class SlotCatalog
{
    /// <summary>The setups of <paramref name="projections"/> and one slot per shard of each.</summary>
    /// <exception cref="ArgumentException">A name is invalid, two projections share a name, or two slots share a lock key.</exception>
    public static (IReadOnlyList<ProjectionSetup> Setups, IReadOnlyList<ProjectionSlot> Slots) Build(
        IEnumerable<IGeneratedProjection> projections, PostgresEventStore store, ProjectionDaemonOptions options)
    {
        var setups = new List<ProjectionSetup>();
        var slots = new List<ProjectionSlot>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new Dictionary<long, string>();
        var all = projections.ToList();
        JsonSerializerOptions? documentOptions = null;
        foreach (var projection in all)
        {
            var descriptor = projection.Descriptor;
            PostgresIdentifier.Parse(descriptor.Name, "Projection name");
            if (!names.Add(descriptor.Name + "@" + descriptor.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                throw new ArgumentException($"Two projections are named '{descriptor.Name}'; projection names must be unique.", nameof(projections));
            }

            var typeNames = descriptor.EventTypes.SelectMany(store.Types.GetStoredNamesReadAs).Distinct(StringComparer.Ordinal).ToArray();
            JsonTypeInfo? typeInfo = null;
            if (descriptor.Kind == ProjectionKind.Aggregate)
            {
                documentOptions ??= options.DocumentSerializerOptions ?? DefaultJsonOptions.Create(DefaultJsonOptions.ContractsOf(all));
                try
                {
                    typeInfo = documentOptions.GetTypeInfo(descriptor.DocumentType!);
                }
                catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
                {
                    throw new ArgumentException(
                        $"Projection '{descriptor.Name}': no JSON contract for its document type {descriptor.DocumentType!.FullName} ({e.Message}); "
                        + "give the type a shape the generator serves, or pass ProjectionDaemonOptions.DocumentSerializerOptions with a resolver that covers it (docs/generator.md, JSON contracts).",
                        nameof(projections),
                        e);
                }
            }

            var batchSize = descriptor.BatchSize > 0 ? descriptor.BatchSize : options.DefaultBatchSize;
            var maxRetries = descriptor.MaxRetries >= 0 ? descriptor.MaxRetries : options.DefaultMaxRetries;
            var catchUpBatchSize = descriptor.BatchSize > 0 ? batchSize : Math.Max(batchSize, options.CatchUpBatchSize);

            // An aggregate projection runs its version in two lanes: lane a, and lane b for shadow rebuilds; which of them
            // the node actually runs is decided by their states in projection_versions (docs/versions.md).
            var generation = ProjectionGeneration.Of(descriptor);
            // An event projection has generations only when it declares the tables its handlers write.
            ProjectionGeneration[] generations = descriptor.Kind == ProjectionKind.Aggregate || descriptor.Tables.Count > 0 ? [generation, generation.OtherLane] : [generation];
            foreach (var lane in generations)
            {
                var table = descriptor.Kind == ProjectionKind.Aggregate ? DocumentTable.For(store, descriptor, lane) : null;
                var setup = new ProjectionSetup(projection, typeNames, batchSize, maxRetries, table, typeInfo, lane, catchUpBatchSize, EventTables.Resolve(store.Schema, descriptor, lane));
                setups.Add(setup);
                for (var shard = 0; shard < descriptor.Shards; shard++)
                {
                    var key = AdvisoryLockKey.ForSlot(store.Schema, setup.Key, shard, descriptor.Shards);
                    var slot = new ProjectionSlot(setup, shard, key);
                    if (keys.TryGetValue(key.Value, out var other))
                    {
                        throw new ArgumentException($"Slots '{other}' and '{slot.Name}' hash to the same lock key {key}; rename one of the projections.", nameof(projections));
                    }

                    keys.Add(key.Value, slot.Name);
                    slots.Add(slot);
                }
            }
        }

        DocumentTableNames.Validate(store.Schema, setups.Select(setup => setup.Descriptor).Distinct());
        if (setups.Count == 0)
        {
            throw new ArgumentException("The daemon needs at least one projection.", nameof(projections));
        }

        return (setups, slots);
    }
}
