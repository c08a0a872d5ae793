namespace ProjectionGen.Locking;

/// <summary>The daemon refuses to hold locks on this connection: it reaches a standby or goes through a pooling proxy.</summary>
public sealed class LockConnectionRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception with the reason.</summary>
    public LockConnectionRefusedException(string message) : base(message) { }

    /// <summary>Creates the exception with no reason.</summary>
    public LockConnectionRefusedException() { }

    /// <summary>Creates the exception with a reason and the underlying error.</summary>
    public LockConnectionRefusedException(string message, Exception innerException) : base(message, innerException) { }
}
