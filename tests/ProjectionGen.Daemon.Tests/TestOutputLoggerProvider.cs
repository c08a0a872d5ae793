using Microsoft.Extensions.Logging;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Writes log lines to the current test's output, so a failing test shows what the daemons did.</summary>
internal sealed class TestOutputLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger();

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {formatter(state, exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test finished while a daemon thread was still logging.
            }
        }
    }
}
