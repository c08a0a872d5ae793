namespace ProjectionGen.Testing;

/// <summary>Thrown when a test asks to restart, crash or stop a server that the harness does not own.</summary>
public sealed class ServerControlNotSupportedException : InvalidOperationException
{
    /// <summary>Creates the exception with the reason the server cannot be controlled.</summary>
    public ServerControlNotSupportedException(string message) : base(message) { }

    /// <summary>Creates the exception with no reason.</summary>
    public ServerControlNotSupportedException() { }

    /// <summary>Creates the exception with a reason and the underlying error.</summary>
    public ServerControlNotSupportedException(string message, Exception innerException) : base(message, innerException) { }
}
