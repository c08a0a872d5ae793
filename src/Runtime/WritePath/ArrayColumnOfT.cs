using Npgsql;

namespace ProjectionGen.WritePath;

/// <summary>The <see cref="ArrayColumn"/> of element type <typeparamref name="T"/>: an <c>NpgsqlParameter&lt;T[]&gt;</c>.</summary>
/// <typeparam name="T">The single parameters' type (a nullable type keeps its nulls as null elements).</typeparam>
internal sealed class ArrayColumn<T> : ArrayColumn
{
    private ArrayColumn()
    {
    }

    /// <summary>The one instance; it holds no state.</summary>
    public static ArrayColumn<T> Instance { get; } = new();

    /// <inheritdoc />
    public override NpgsqlParameter Build(IReadOnlyList<NpgsqlBatchCommand> commands, int start, int end, int index)
    {
        var values = new T[end - start];
        for (var i = start; i < end; i++)
        {
            values[i - start] = commands[i].Parameters[index] switch
            {
                NpgsqlParameter<T> typed => typed.TypedValue!,
                var untyped => (T)untyped.Value!,
            };
        }

        return new NpgsqlParameter<T[]> { TypedValue = values };
    }
}
