using Npgsql;

namespace ProjectionGen;

/// <summary>One column of a <see cref="ProjectionRowBuffer"/>: its values in order, sent as one array parameter.</summary>
internal abstract class RowColumn
{
    /// <summary>The CLR type of the column's values.</summary>
    public abstract Type ElementType { get; }

    /// <summary>Removes the last value (of a row that was not completed).</summary>
    public abstract void RemoveLast();

    /// <summary>The array parameter holding every value of the column, in order.</summary>
    public abstract NpgsqlParameter ToParameter();

    /// <summary>Writes the value of row <paramref name="row"/> as the importer's next column.</summary>
    public abstract ValueTask WriteAsync(NpgsqlBinaryImporter importer, int row, CancellationToken cancellationToken);
}
