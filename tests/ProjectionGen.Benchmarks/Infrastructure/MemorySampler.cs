using System.Diagnostics;

namespace ProjectionGen.Benchmarks.Infrastructure;

/// <summary>Samples this process's working set and GC heap every few milliseconds and keeps the peaks above the start.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peakWorkingSet;
    private long peakHeap;

    private MemorySampler()
    {
        BaselineWorkingSet = Environment.WorkingSet;
        BaselineHeap = GC.GetTotalMemory(false);
        peakWorkingSet = BaselineWorkingSet;
        peakHeap = BaselineHeap;
        loop = Task.Run(SampleAsync);
    }

    /// <summary>Working set when sampling started (after a full collection).</summary>
    public long BaselineWorkingSet { get; }

    /// <summary>GC heap when sampling started (after a full collection).</summary>
    public long BaselineHeap { get; }

    /// <summary>Highest working set seen.</summary>
    public long PeakWorkingSet => Interlocked.Read(ref peakWorkingSet);

    /// <summary>Highest GC heap size seen (live and not yet collected objects).</summary>
    public long PeakHeap => Interlocked.Read(ref peakHeap);

    /// <summary>Collects fully, then starts sampling.</summary>
    public static MemorySampler Start()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new MemorySampler();
    }

    /// <summary>Stops sampling.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        Sample();
        stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Sample()
    {
        using var process = Process.GetCurrentProcess();
        Max(ref peakWorkingSet, process.WorkingSet64);
        Max(ref peakHeap, GC.GetTotalMemory(false));
    }

    private static void Max(ref long field, long value)
    {
        var current = Interlocked.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
