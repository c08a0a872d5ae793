namespace ProjectionGen;

/// <summary>
/// The per-column buffers of one run of queued rows of one <see cref="IProjectionRow{TRow}"/> type. Generated code
/// calls one <c>Add</c> per column, in column order, for each row; each column keeps its values in a typed list (no
/// boxing), which the commit sends as one array parameter.
/// </summary>
public sealed class ProjectionRowBuffer
{
    private readonly List<RowColumn> columns;
    private readonly int width;
    private int next;

    internal ProjectionRowBuffer(int width)
    {
        this.width = width;
        columns = new List<RowColumn>(width);
    }

    /// <summary>How many complete rows the buffer holds.</summary>
    public int Count { get; private set; }

    internal IReadOnlyList<RowColumn> Columns => columns;

    /// <summary>Adds the next column's value.</summary>
    public void Add(short value) => Next<short>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(short? value) => Next<short?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(int value) => Next<int>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(int? value) => Next<int?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(long value) => Next<long>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(long? value) => Next<long?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(bool value) => Next<bool>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(bool? value) => Next<bool?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(decimal value) => Next<decimal>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(decimal? value) => Next<decimal?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(double value) => Next<double>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(double? value) => Next<double?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(float value) => Next<float>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(float? value) => Next<float?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(Guid value) => Next<Guid>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(Guid? value) => Next<Guid?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateTime value) => Next<DateTime>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateTime? value) => Next<DateTime?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateTimeOffset value) => Next<DateTimeOffset>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateTimeOffset? value) => Next<DateTimeOffset?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateOnly value) => Next<DateOnly>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(DateOnly? value) => Next<DateOnly?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(string? value) => Next<string?>().Add(value);

    /// <summary>Adds the next column's value.</summary>
    public void Add(byte[]? value) => Next<byte[]?>().Add(value);

    /// <summary>Completes a row: every column received exactly one value.</summary>
    internal void EndRow()
    {
        if (next != width)
        {
            var received = next;
            Discard();
            throw new InvalidOperationException($"A row must add exactly one value per column: it added {received} of {width}.");
        }

        next = 0;
        Count++;
    }

    /// <summary>Drops the values of an incomplete row (its Append threw or added too few), so the buffer holds complete rows only.</summary>
    internal void Discard()
    {
        for (var c = 0; c < next; c++)
        {
            columns[c].RemoveLast();
        }

        next = 0;
    }

    private RowColumn<T> Next<T>()
    {
        if (next >= width)
        {
            Discard();
            throw new InvalidOperationException($"A row must add exactly one value per column: it added more than {width}.");
        }

        if (next == columns.Count)
        {
            columns.Add(new RowColumn<T>());
        }

        if (columns[next] is not RowColumn<T> column)
        {
            var position = next;
            Discard();
            throw new InvalidOperationException($"Column {position} of a row received a {typeof(T).Name}, but earlier rows gave it a {columns[position].ElementType.Name}.");
        }

        next++;
        return column;
    }
}
