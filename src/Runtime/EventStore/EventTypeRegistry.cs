using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen.EventStore;

/// <summary>
/// Maps event types to the stable names stored with each event, and back. The default name is the snake_case of the
/// type's name (<c>OrderPlaced</c> becomes <c>order_placed</c>); <see cref="EventTypeAttribute"/> or an explicit name
/// overrides it. Register every event type before appending or reading it; registration is thread-safe.
/// </summary>
/// <remarks>
/// Upcasters (<see cref="AddUpcasters"/>) convert events stored under an old shape into the current type when they are
/// read; register them before creating a daemon, which decides at construction which stored names each projection reads.
/// </remarks>
public sealed class EventTypeRegistry
{
    /// <summary>The longest accepted type name.</summary>
    public const int MaxNameLength = EventTypeNames.MaxLength;

    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<Type, string> namesByType = new();
    private readonly ConcurrentDictionary<string, Type> typesByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, EventUpcaster> upcastersByType = new();
    private readonly ConcurrentDictionary<string, EventUpcaster> upcastersByName = new(StringComparer.Ordinal);
    private readonly List<IJsonTypeInfoResolver> jsonContracts = [];

    /// <summary>
    /// Adds generated System.Text.Json contracts (pass <c>ProjectionGen.Generated.GeneratedJsonContracts.Resolver</c>):
    /// where reflection-based serialization is disabled (trimmed or AOT applications), a store created without
    /// <see cref="EventStoreOptions.SerializerOptions"/> serializes events through them (docs/generator.md, JSON
    /// contracts). Add them before creating the store; each resolver counts once.
    /// </summary>
    /// <returns>This registry, for chaining.</returns>
    public EventTypeRegistry AddJsonContracts(IJsonTypeInfoResolver contracts)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        lock (gate)
        {
            if (!jsonContracts.Contains(contracts))
            {
                jsonContracts.Add(contracts);
            }
        }

        return this;
    }

    /// <summary>The generated contracts added so far, in the order added.</summary>
    internal IReadOnlyList<IJsonTypeInfoResolver> JsonContracts
    {
        get
        {
            lock (gate)
            {
                return [.. jsonContracts];
            }
        }
    }

    /// <summary>Registers <typeparamref name="T"/> under its attribute name or default name.</summary>
    /// <returns>This registry, for chaining.</returns>
    public EventTypeRegistry Register<T>() => Register(typeof(T));

    /// <summary>Registers <paramref name="type"/> under its attribute name or default name.</summary>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is taken by another type, or the type already has another name.</exception>
    public EventTypeRegistry Register(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Register(type, type.GetCustomAttribute<EventTypeAttribute>(inherit: false)?.Name ?? DefaultName(type));
    }

    /// <summary>Registers <paramref name="type"/> under <paramref name="name"/>. Registering the same pair again is allowed.</summary>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is empty or too long, taken by another type, or the type already has another name.</exception>
    public EventTypeRegistry Register(Type type, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw new ArgumentException($"The event type name of {type.FullName} must be non-blank and at most {MaxNameLength} characters.", nameof(name));
        }

        if (type.IsAbstract || type.IsInterface || type.ContainsGenericParameters)
        {
            throw new ArgumentException($"{type.FullName} cannot be an event type: it must be a concrete, closed type.", nameof(type));
        }

        lock (gate)
        {
            if (upcastersByName.TryGetValue(name, out var upcaster))
            {
                throw new ArgumentException($"The event type name '{name}' is read as raw JSON by {upcaster.Method}; it cannot also name {type.FullName}.", nameof(name));
            }

            if (typesByName.TryGetValue(name, out var existingType) && existingType != type)
            {
                throw new ArgumentException($"The event type name '{name}' is already registered for {existingType.FullName}; it cannot also name {type.FullName}.", nameof(name));
            }

            if (namesByType.TryGetValue(type, out var existingName) && existingName != name)
            {
                throw new ArgumentException($"{type.FullName} is already registered as '{existingName}'; it cannot also be '{name}'.", nameof(type));
            }

            typesByName[name] = type;
            namesByType[type] = name;
        }

        return this;
    }

    /// <summary>The stored name of <paramref name="type"/>, registering it under its attribute or default name first if needed.</summary>
    public string GetOrRegisterName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (gate)
        {
            if (namesByType.TryGetValue(type, out var name))
            {
                return name;
            }
        }

        Register(type);
        return GetName(type);
    }

    /// <summary>The stored name of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">The type is not registered.</exception>
    public string GetName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return namesByType.TryGetValue(type, out var name)
            ? name
            : throw new ArgumentException($"{type.FullName} is not a registered event type: register it with EventTypeRegistry.Register before appending it.", nameof(type));
    }

    /// <summary>Finds the type registered under <paramref name="name"/>.</summary>
    public bool TryGetType(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type)
    {
        ArgumentNullException.ThrowIfNull(name);
        return typesByName.TryGetValue(name, out type);
    }

    /// <summary>Adds upcasters, typically <c>ProjectionGen.Generated.GeneratedUpcasters.All</c>; see <see cref="AddUpcaster"/>.</summary>
    /// <returns>This registry, for chaining.</returns>
    public EventTypeRegistry AddUpcasters(IEnumerable<EventUpcaster> upcasters)
    {
        ArgumentNullException.ThrowIfNull(upcasters);
        foreach (var upcaster in upcasters)
        {
            AddUpcaster(upcaster);
        }

        return this;
    }

    /// <summary>
    /// Adds an upcaster: events stored under its source (the old CLR type's stored name, or the raw-JSON upcaster's
    /// stored name) are read as its target type, following chains to the newest type. The old CLR type and the target
    /// type are registered under their attribute or default names if they are not registered yet.
    /// </summary>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException">The source already has an upcaster, a raw-JSON upcaster's name belongs to a registered type, or the upcaster closes a cycle.</exception>
    public EventTypeRegistry AddUpcaster(EventUpcaster upcaster)
    {
        ArgumentNullException.ThrowIfNull(upcaster);
        lock (gate)
        {
            if (upcaster.SourceType is { } sourceType)
            {
                if (upcastersByType.TryGetValue(sourceType, out var existing))
                {
                    throw new ArgumentException($"{sourceType.FullName} is already upcast by {existing.Method}; it cannot also be upcast by {upcaster.Method}.", nameof(upcaster));
                }

                if (FinalType(upcaster.TargetType) == sourceType)
                {
                    throw new ArgumentException($"{upcaster.Method} would close a cycle of upcasters through {sourceType.FullName}.", nameof(upcaster));
                }

                GetOrRegisterName(sourceType);
                GetOrRegisterName(upcaster.TargetType);
                upcastersByType[sourceType] = upcaster;
            }
            else
            {
                var name = upcaster.SourceName!;
                if (upcastersByName.TryGetValue(name, out var existing))
                {
                    throw new ArgumentException($"The stored name '{name}' is already read as raw JSON by {existing.Method}; it cannot also be read by {upcaster.Method}.", nameof(upcaster));
                }

                if (typesByName.TryGetValue(name, out var registered))
                {
                    throw new ArgumentException($"The stored name '{name}' of {upcaster.Method} is registered for {registered.FullName}; a raw-JSON upcaster reads names that no type has any more.", nameof(upcaster));
                }

                GetOrRegisterName(upcaster.TargetType);
                upcastersByName[name] = upcaster;
            }
        }

        return this;
    }

    /// <summary>
    /// Every stored type name whose events are read as <paramref name="type"/>: its own name (registering it if needed)
    /// and the names of older shapes that upcasters convert into it. A reader that handles <paramref name="type"/> reads these.
    /// Empty when <paramref name="type"/> itself is upcast into a newer type.
    /// </summary>
    public IReadOnlyList<string> GetStoredNamesReadAs(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        GetOrRegisterName(type);
        lock (gate)
        {
            var names = new List<string>();
            foreach (var (name, registered) in typesByName)
            {
                if (FinalType(registered) == type)
                {
                    names.Add(name);
                }
            }

            foreach (var (name, upcaster) in upcastersByName)
            {
                if (FinalType(upcaster.TargetType) == type)
                {
                    names.Add(name);
                }
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>
    /// Converts <paramref name="event"/> through every upcaster of its chain to the newest type, as readers see it;
    /// returns it unchanged when its type has no upcaster.
    /// </summary>
    public object Upcast(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        while (upcastersByType.TryGetValue(@event.GetType(), out var upcaster))
        {
            @event = upcaster.Upcast(@event);
        }

        return @event;
    }

    /// <summary>The upcaster that converts instances of <paramref name="type"/>, if any.</summary>
    internal bool TryGetUpcaster(Type type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EventUpcaster? upcaster) =>
        upcastersByType.TryGetValue(type, out upcaster);

    /// <summary>The upcaster that reads the raw JSON stored under <paramref name="name"/>, if any.</summary>
    internal bool TryGetJsonUpcaster(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EventUpcaster? upcaster) =>
        upcastersByName.TryGetValue(name, out upcaster);

    // Cycles are refused when upcasters are added, so the chain ends.
    private Type FinalType(Type type)
    {
        while (upcastersByType.TryGetValue(type, out var upcaster))
        {
            type = upcaster.TargetType;
        }

        return type;
    }

    /// <summary>The snake_case of the type's name without its generic arity (<c>HTTPRequestSent</c> becomes <c>http_request_sent</c>).</summary>
    public static string DefaultName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || endsAcronym) && builder.Length > 0 && builder[^1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
