using ProjectionGen.Benchmarks.Reporting;

namespace ProjectionGen.Benchmarks.Infrastructure;

/// <summary>What every scenario of one run shares: the options, the server's databases, the report and the progress log.</summary>
public sealed class BenchContext
{
    /// <summary>Creates the context of one run.</summary>
    public BenchContext(BenchOptions options, Databases databases, BenchReport report, TextWriter log)
    {
        Options = options;
        Databases = databases;
        Report = report;
        Log = log;
    }

    /// <summary>The run's options.</summary>
    public BenchOptions Options { get; }

    /// <summary>The main server's databases.</summary>
    public Databases Databases { get; }

    /// <summary>The report being built.</summary>
    public BenchReport Report { get; }

    /// <summary>Progress lines (not the report).</summary>
    public TextWriter Log { get; }

    /// <summary>Peak memory of the catch-ups run so far, for the memory table: label, events, batch size, result.</summary>
    public List<(string Label, int Events, int BatchSize, CatchUpResult Result)> MemoryRuns { get; } = [];

    /// <summary>How long a catch-up may take before the run fails.</summary>
    public TimeSpan CatchUpTimeout => Options.Smoke ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(10);

    /// <summary>Writes a progress line with the time of day.</summary>
    public void Progress(string line) => Log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
