namespace ProjectionGen.Common;

/// <summary>Undoes a subscription (to a daemon's lifecycle events) when disposed.</summary>
internal sealed class Unsubscriber(Action unsubscribe) : IDisposable
{
    private Action? unsubscribe = unsubscribe;

    public void Dispose() => Interlocked.Exchange(ref unsubscribe, null)?.Invoke();
}
