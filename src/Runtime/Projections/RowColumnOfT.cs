using Npgsql;

namespace ProjectionGen;

/// <summary>The <see cref="RowColumn"/> of values of type <typeparamref name="T"/> (a nullable type keeps its nulls).</summary>
/// <typeparam name="T">The column's CLR type.</typeparam>
internal sealed class RowColumn<T> : RowColumn
{
    private readonly List<T> values = [];

    /// <inheritdoc />
    public override Type ElementType => typeof(T);

    /// <summary>Appends a value.</summary>
    public void Add(T value) => values.Add(value);

    /// <inheritdoc />
    public override void RemoveLast() => values.RemoveAt(values.Count - 1);

    /// <inheritdoc />
    public override ValueTask WriteAsync(NpgsqlBinaryImporter importer, int row, CancellationToken cancellationToken)
    {
        var value = values[row];
        return value is null ? new ValueTask(importer.WriteNullAsync(cancellationToken)) : new ValueTask(importer.WriteAsync(value, cancellationToken));
    }

    /// <inheritdoc />
    public override NpgsqlParameter ToParameter() => new NpgsqlParameter<T[]> { TypedValue = values.ToArray() };
}
