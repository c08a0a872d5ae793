namespace ProjectionGen.EventStore;

/// <summary>An append found its stream at another version than expected; nothing of it was written.</summary>
public sealed class ConcurrencyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyException(string streamId, ExpectedVersion expected, long actualVersion, Exception? innerException = null)
        : base($"Stream '{streamId}' was expected at version {expected} but is at version {actualVersion}{(actualVersion == 0 ? " (no stream)" : "")}; nothing was appended.", innerException)
    {
        StreamId = streamId;
        Expected = expected;
        ActualVersion = actualVersion;
    }

    /// <summary>Creates the exception for a stream of a tenant (a conjoined store, docs/tenancy.md).</summary>
    public ConcurrencyException(string tenantId, string streamId, ExpectedVersion expected, long actualVersion, Exception? innerException = null)
        : base($"Stream '{streamId}' of tenant '{tenantId}' was expected at version {expected} but is at version {actualVersion}{(actualVersion == 0 ? " (no stream)" : "")}; nothing was appended.", innerException)
    {
        TenantId = tenantId;
        StreamId = streamId;
        Expected = expected;
        ActualVersion = actualVersion;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ConcurrencyException(string message) : base(message)
    {
        StreamId = "";
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public ConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
        StreamId = "";
    }

    /// <summary>Creates the exception with no message.</summary>
    public ConcurrencyException() : this("The stream was not at the expected version; nothing was appended.")
    {
    }

    /// <summary>The stream.</summary>
    public string StreamId { get; }

    /// <summary>The stream's tenant; <see langword="null"/> for a store without tenancy.</summary>
    public string? TenantId { get; }

    /// <summary>What the append expected.</summary>
    public ExpectedVersion Expected { get; }

    /// <summary>The stream's version when the append was refused (0: the stream does not exist).</summary>
    public long ActualVersion { get; }
}
