using System.Collections;
using Microsoft.Extensions.Logging;

namespace ProjectionGen.Tenancy;

/// <summary>
/// The loggers of one tenant database's daemon: every line is the daemon's own (same category, event id, level and
/// structured state), its text prefixed with <c>tenant {id}: </c> and logged inside a scope carrying <c>TenantId</c>,
/// so a console shows which tenant database a lock loss or a poison event belongs to and a structured sink can filter
/// on it (docs/tenancy.md, "Operations per tenant"). Wraps the node's factory without owning it.
/// </summary>
internal sealed class TenantLoggerFactory(ILoggerFactory inner, string tenantId) : ILoggerFactory
{
    private readonly TenantLogScope scope = new(tenantId);

    public ILogger CreateLogger(string categoryName) => new TenantLogger(inner.CreateLogger(categoryName), scope);

    /// <summary>Providers belong to the node's factory; a tenant daemon adds none.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A tenant daemon's logger factory wraps the node's; add providers to the node's factory.");

    public void Dispose()
    {
        // The node's factory is not ours to dispose.
    }

    private sealed class TenantLogger(ILogger inner, TenantLogScope scope) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            using (inner.BeginScope(scope))
            {
                inner.Log(logLevel, eventId, state, exception, (s, e) => scope.Prefix + formatter(s, e));
            }
        }
    }

    /// <summary>The scope of a tenant daemon's lines: one pair, <c>TenantId</c>; shown as <c>tenant {id}</c>.</summary>
    private sealed class TenantLogScope(string tenantId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?> pair = new("TenantId", tenantId);

        public string Prefix { get; } = $"tenant {tenantId}: ";

        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => index == 0 ? pair : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return pair;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"tenant {pair.Value}";
    }
}
