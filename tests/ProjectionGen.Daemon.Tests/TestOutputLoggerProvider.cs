using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Writes log lines to the current test's output, so a failing test shows what the daemons did, and keeps each line's
/// event id and text for tests that count what happened.
/// </summary>
internal sealed class TestOutputLoggerProvider : ILoggerProvider
{
    /// <summary>Every line logged at Information or above: its event id and formatted message.</summary>
    public ConcurrentQueue<(int EventId, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(this);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(TestOutputLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            provider.Lines.Enqueue((eventId.Id, message));
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
