using System.Text.Json;

namespace ProjectionGen;

/// <summary>
/// One conversion of stored events into a newer event type: from an old CLR type, or from the raw JSON of a stored
/// type name. Created by generated code (<c>ProjectionGen.Generated.GeneratedUpcasters.All</c>) and registered with
/// <see cref="EventStore.EventTypeRegistry.AddUpcasters"/>.
/// </summary>
public sealed class EventUpcaster
{
    private readonly Func<object, object?>? fromObject;
    private readonly Func<JsonElement, object?>? fromJson;

    private EventUpcaster(Type? sourceType, string? sourceName, Type targetType, Func<object, object?>? fromObject, Func<JsonElement, object?>? fromJson, string method)
    {
        SourceType = sourceType;
        SourceName = sourceName;
        TargetType = targetType;
        this.fromObject = fromObject;
        this.fromJson = fromJson;
        Method = method;
    }

    /// <summary>The old CLR type this upcaster converts, or <see langword="null"/> for a raw-JSON upcaster.</summary>
    public Type? SourceType { get; }

    /// <summary>The stored type name whose raw JSON this upcaster reads, or <see langword="null"/> for a CLR-type upcaster.</summary>
    public string? SourceName { get; }

    /// <summary>The type the upcaster returns (which may itself be upcast further).</summary>
    public Type TargetType { get; }

    /// <summary>The user method, as shown in errors (for example <c>Upcasters.Upcast</c>).</summary>
    public string Method { get; }

    /// <summary>An upcaster from the old CLR type <typeparamref name="TOld"/> to <typeparamref name="TNew"/>.</summary>
    /// <param name="upcast">The conversion; it must not return <see langword="null"/>.</param>
    /// <param name="method">The user method's name, for errors.</param>
    public static EventUpcaster FromType<TOld, TNew>(Func<TOld, TNew> upcast, string? method = null)
        where TOld : notnull
        where TNew : notnull
    {
        ArgumentNullException.ThrowIfNull(upcast);
        if (typeof(TOld) == typeof(TNew))
        {
            throw new ArgumentException($"An upcaster from {typeof(TOld).FullName} to itself would never end.", nameof(upcast));
        }

        return new EventUpcaster(typeof(TOld), null, typeof(TNew), old => upcast((TOld)old), null, method ?? $"upcaster from {typeof(TOld).Name} to {typeof(TNew).Name}");
    }

    /// <summary>An upcaster from the raw JSON of events stored as <paramref name="storedName"/> to <typeparamref name="TNew"/>.</summary>
    /// <param name="storedName">The stored type name: not blank, at most 200 characters.</param>
    /// <param name="upcast">The conversion; the element is valid only during the call; it must not return <see langword="null"/>.</param>
    /// <param name="method">The user method's name, for errors.</param>
    public static EventUpcaster FromJson<TNew>(string storedName, Func<JsonElement, TNew> upcast, string? method = null)
        where TNew : notnull
    {
        ArgumentNullException.ThrowIfNull(upcast);
        if (string.IsNullOrWhiteSpace(storedName) || storedName.Length > EventTypeNames.MaxLength)
        {
            throw new ArgumentException($"The stored name of a raw-JSON upcaster to {typeof(TNew).FullName} must be non-blank and at most {EventTypeNames.MaxLength} characters.", nameof(storedName));
        }

        return new EventUpcaster(null, storedName, typeof(TNew), null, json => upcast(json), method ?? $"upcaster from '{storedName}' to {typeof(TNew).Name}");
    }

    /// <summary>Converts an instance of <see cref="SourceType"/> (one step of a chain).</summary>
    /// <exception cref="InvalidOperationException">This is a raw-JSON upcaster, or the conversion returned null.</exception>
    /// <exception cref="InvalidCastException"><paramref name="old"/> is not a <see cref="SourceType"/>.</exception>
    public object Upcast(object old)
    {
        ArgumentNullException.ThrowIfNull(old);
        return fromObject is null
            ? throw new InvalidOperationException($"{Method} reads raw JSON, not an object.")
            : Checked(fromObject(old));
    }

    /// <summary>Converts the raw JSON stored as <see cref="SourceName"/> (one step of a chain).</summary>
    /// <exception cref="InvalidOperationException">This is a CLR-type upcaster, or the conversion returned null.</exception>
    public object Upcast(JsonElement json) =>
        fromJson is null
            ? throw new InvalidOperationException($"{Method} reads {SourceType?.FullName}, not raw JSON.")
            : Checked(fromJson(json));

    /// <summary>What the upcaster reads, for messages.</summary>
    internal string Source => SourceType is null ? $"stored name '{SourceName}'" : SourceType.FullName ?? SourceType.Name;

    private object Checked(object? upcast) =>
        upcast ?? throw new InvalidOperationException($"Upcaster {Method} from {Source} returned null.");
}
