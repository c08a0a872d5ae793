using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace ProjectionGen.EventStore;

/// <summary>
/// Maps event types to the stable names stored with each event, and back. The default name is the snake_case of the
/// type's name (<c>OrderPlaced</c> becomes <c>order_placed</c>); <see cref="EventTypeAttribute"/> or an explicit name
/// overrides it. Register every event type before appending or reading it; registration is thread-safe.
/// </summary>
public sealed class EventTypeRegistry
{
    /// <summary>The longest accepted type name.</summary>
    public const int MaxNameLength = 200;

    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<Type, string> namesByType = new();
    private readonly ConcurrentDictionary<string, Type> typesByName = new(StringComparer.Ordinal);

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
