using Npgsql;

namespace ProjectionGen.WritePath;

/// <summary>
/// Builds one array parameter from one parameter position of a run of identical single-row INSERTs (see
/// <see cref="InsertGrouping"/>). Only element types whose array Npgsql maps to the same PostgreSQL type as the single
/// value have a column; every other type leaves its command as it was written.
/// </summary>
internal abstract class ArrayColumn
{
    /// <summary>The column for parameters of type <typeparamref name="T"/>, or null when a run of them is never grouped.</summary>
    public static ArrayColumn? Of<T>() =>
        typeof(T) == typeof(string) || typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short)
        || typeof(T) == typeof(bool) || typeof(T) == typeof(decimal) || typeof(T) == typeof(double) || typeof(T) == typeof(float)
        || typeof(T) == typeof(Guid) || typeof(T) == typeof(DateTimeOffset) || typeof(T) == typeof(DateOnly)
        || typeof(T) == typeof(long?) || typeof(T) == typeof(int?) || typeof(T) == typeof(short?) || typeof(T) == typeof(bool?)
        || typeof(T) == typeof(decimal?) || typeof(T) == typeof(double?) || typeof(T) == typeof(float?) || typeof(T) == typeof(Guid?)
        || typeof(T) == typeof(DateTimeOffset?) || typeof(T) == typeof(DateOnly?)
            ? ArrayColumn<T>.Instance
            : null;

    /// <summary>The column for an untyped parameter's value, or null when its type is not grouped (null values included).</summary>
    public static ArrayColumn? OfValue(object? value) => value switch
    {
        string => ArrayColumn<string>.Instance,
        long => ArrayColumn<long>.Instance,
        int => ArrayColumn<int>.Instance,
        short => ArrayColumn<short>.Instance,
        bool => ArrayColumn<bool>.Instance,
        decimal => ArrayColumn<decimal>.Instance,
        double => ArrayColumn<double>.Instance,
        float => ArrayColumn<float>.Instance,
        Guid => ArrayColumn<Guid>.Instance,
        DateTimeOffset => ArrayColumn<DateTimeOffset>.Instance,
        DateOnly => ArrayColumn<DateOnly>.Instance,
        _ => null,
    };

    /// <summary>One array parameter holding parameter <paramref name="index"/> of commands <paramref name="start"/> to <paramref name="end"/> (exclusive), in order.</summary>
    public abstract NpgsqlParameter Build(IReadOnlyList<NpgsqlBatchCommand> commands, int start, int end, int index);
}
