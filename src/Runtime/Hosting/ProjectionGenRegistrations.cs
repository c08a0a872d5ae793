using ProjectionGen.EventStore;

namespace ProjectionGen.Hosting;

/// <summary>What the builder collected: the projections and the event types, registered once per service collection.</summary>
internal sealed class ProjectionGenRegistrations
{
    public List<IGeneratedProjection> Projections { get; } = [];

    public List<Action<EventTypeRegistry>> EventTypes { get; } = [];

    public EventTypeRegistry CreateRegistry()
    {
        var registry = new EventTypeRegistry();
        foreach (var register in EventTypes)
        {
            register(registry);
        }

        // Every handled event type, under its attribute or default name, so the application can append them too.
        foreach (var type in Projections.SelectMany(p => p.Descriptor.EventTypes))
        {
            registry.GetOrRegisterName(type);
        }

        // The generated JSON contracts of every projection's assembly: the store's default where reflection is disabled.
        foreach (var source in Projections.OfType<IJsonContractSource>())
        {
            registry.AddJsonContracts(source.JsonContracts);
        }

        return registry;
    }
}
