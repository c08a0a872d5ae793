namespace ProjectionGen.EventStore;

/// <summary>What an append expects of its stream's current version; a mismatch throws <see cref="ConcurrencyException"/>.</summary>
public readonly record struct ExpectedVersion
{
    private ExpectedVersion(long version)
    {
        Version = version;
    }

    /// <summary>Any version, including a stream that does not exist yet. This is the default value.</summary>
    public static ExpectedVersion Any => default;

    /// <summary>The stream must not exist (version 0).</summary>
    public static ExpectedVersion NoStream => new(0);

    /// <summary>The expected version, or <see langword="null"/> for <see cref="Any"/>; 0 means no stream.</summary>
    public long? Version { get; }

    /// <summary>The stream must be at exactly <paramref name="version"/> (0 is the same as <see cref="NoStream"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative.</exception>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new(version);
    }

    /// <inheritdoc />
    public override string ToString() => Version switch
    {
        null => "any",
        0 => "no stream",
        var v => v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
