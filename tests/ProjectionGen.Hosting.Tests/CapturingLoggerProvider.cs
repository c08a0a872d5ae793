using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Keeps every log line of a host (all levels, with exceptions) and echoes it to the test's output.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Every line's text with its exception, as a sink that prints everything would show it.</summary>
    public IEnumerable<string> AllText() => Lines.Select(line => line.Message + Environment.NewLine + line.Exception);

    internal sealed record LogLine(LogLevel Level, int EventId, string Category, string Message, string? Exception);

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            provider.Lines.Enqueue(new LogLine(logLevel, eventId.Id, category, message, exception?.ToString()));
            // Health probes are polled every few milliseconds by the tests: kept, but not echoed.
            if (logLevel < LogLevel.Information || category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal))
            {
                return;
            }

            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {message}");
            }
            catch (InvalidOperationException)
            {
                // The test finished while a daemon thread was still logging.
            }
        }
    }
}
