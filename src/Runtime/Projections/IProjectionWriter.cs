namespace ProjectionGen;

/// <summary>
/// Queues parameterized SQL commands into the current batch's transaction; they run at commit, in order, together with
/// the fenced progress update, so they are applied exactly once. Parameters are positional: <c>$1</c>, <c>$2</c>, ...
/// </summary>
public interface IProjectionWriter
{
    /// <summary>Queues a command without parameters.</summary>
    void Execute(string sql);

    /// <summary>Queues a command with one parameter.</summary>
    void Execute<T1>(string sql, T1 p1);

    /// <summary>Queues a command with two parameters.</summary>
    void Execute<T1, T2>(string sql, T1 p1, T2 p2);

    /// <summary>Queues a command with three parameters.</summary>
    void Execute<T1, T2, T3>(string sql, T1 p1, T2 p2, T3 p3);

    /// <summary>Queues a command with four parameters.</summary>
    void Execute<T1, T2, T3, T4>(string sql, T1 p1, T2 p2, T3 p3, T4 p4);

    /// <summary>Queues a command with any number of parameters.</summary>
    void Execute(string sql, params ReadOnlySpan<object?> parameters);

    /// <summary>
    /// Queues one row of a <see cref="ProjectionRowAttribute"/> type (the generator implements
    /// <see cref="IProjectionRow{TRow}"/> for it). Consecutive rows of one type are sent at commit as one
    /// <c>INSERT … SELECT * FROM unnest(…)</c>, at their place among the other queued commands, in the same transaction.
    /// </summary>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="row">The row; its values are read when it is queued.</param>
    /// <remarks>
    /// Implemented by the daemon's writer; the default implementation, for writers of your own written before this
    /// member existed (test doubles), throws <see cref="NotSupportedException"/>.
    /// </remarks>
    void Insert<TRow>(TRow row) where TRow : IProjectionRow<TRow> =>
        throw new NotSupportedException($"{GetType().Name} does not implement IProjectionWriter.Insert; the daemon's writer does.");

    /// <summary>
    /// The quoted, schema-qualified physical table that this batch's generation writes for <paramref name="table"/>, one
    /// of the tables the projection declares (<see cref="ProjectionAttribute.Tables"/>); for example
    /// <c>"projectiongen"."cart_ledger_v2"</c> for <c>cart_ledger</c> in version 2 (docs/versions.md, "Event projections").
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not one of the declared tables.</exception>
    /// <remarks>
    /// Implemented by the daemon's writer; the default implementation, for writers of your own written before this
    /// member existed (test doubles), throws <see cref="NotSupportedException"/>.
    /// </remarks>
    string Table(string table) =>
        throw new NotSupportedException($"{GetType().Name} does not implement IProjectionWriter.Table; the daemon's writer does.");
}
