using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProjectionGen.Alerts;

namespace ProjectionGen.Hosting;

/// <summary>Adds projections, event types and alert sinks to ProjectionGen's registration (<c>AddProjectionGen</c>).</summary>
public sealed class ProjectionGenBuilder
{
    private readonly ProjectionGenRegistrations registrations;

    internal ProjectionGenBuilder(IServiceCollection services, ProjectionGenRegistrations registrations)
    {
        Services = services;
        this.registrations = registrations;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds generated projections; pass <c>ProjectionGen.Generated.GeneratedProjections.CreateAll()</c> from each
    /// assembly that declares projections (the generated class is internal to its assembly, so only it can list them).
    /// </summary>
    public ProjectionGenBuilder AddProjections(IEnumerable<IGeneratedProjection> projections)
    {
        ArgumentNullException.ThrowIfNull(projections);
        registrations.Projections.AddRange(projections);
        return this;
    }

    /// <summary>Registers an event type under its <see cref="EventTypeAttribute"/> or default name, for appending.</summary>
    public ProjectionGenBuilder AddEventType<TEvent>() => AddEventType(typeof(TEvent));

    /// <summary>Registers an event type under its attribute or default name, or under <paramref name="name"/> when given.</summary>
    public ProjectionGenBuilder AddEventType(Type type, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        registrations.EventTypes.Add(registry =>
        {
            if (name is null)
            {
                registry.Register(type);
            }
            else
            {
                registry.Register(type, name);
            }
        });
        return this;
    }

    /// <summary>
    /// Adds event upcasters (pass <c>ProjectionGen.Generated.GeneratedUpcasters.All</c>), so that events stored under an
    /// old shape are read as the current type by every projection and by the store.
    /// </summary>
    public ProjectionGenBuilder AddUpcasters(IEnumerable<EventUpcaster> upcasters)
    {
        ArgumentNullException.ThrowIfNull(upcasters);
        var list = upcasters.ToList();
        registrations.EventTypes.Add(registry => registry.AddUpcasters(list));
        return this;
    }

    /// <summary>Adds an alert sink (besides the default one that logs); it is resolved once, as a singleton.</summary>
    public ProjectionGenBuilder AddAlertSink<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSink>() where TSink : class, IProjectionAlertSink
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectionAlertSink, TSink>());
        return this;
    }
}
