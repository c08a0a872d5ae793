namespace ProjectionGen.Operations;

/// <summary>
/// An import stopped at a line: unreadable, or refused by <c>append_events</c>. Nothing of that line's transaction was
/// written; <see cref="Committed"/> says what the transactions before it wrote.
/// </summary>
public sealed class EventImportException : Exception
{
    /// <summary>Creates the exception for line <paramref name="lineNumber"/>.</summary>
    public EventImportException(string message, long lineNumber, EventImportResult committed, Exception? innerException = null)
        : base(message, innerException)
    {
        LineNumber = lineNumber;
        Committed = committed;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public EventImportException(string message) : base(message)
    {
        Committed = EventImportResult.None;
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public EventImportException(string message, Exception innerException) : base(message, innerException)
    {
        Committed = EventImportResult.None;
    }

    /// <summary>Creates the exception with no message.</summary>
    public EventImportException() : this("The import stopped at a line it could not write.")
    {
    }

    /// <summary>The line (from 1) the import stopped at: the bad line, or the first line of the refused <c>append_events</c> call.</summary>
    public long LineNumber { get; }

    /// <summary>What was committed before the failing transaction (all of it stays written).</summary>
    public EventImportResult Committed { get; }
}
