using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>Runs <see cref="DispatchBenchmarks"/> with BenchmarkDotNet (in-process toolchain), or in the smoke profile with a short stopwatch loop.</summary>
public static class DispatchScenario
{
    private static readonly (string Method, string Label)[] Contenders =
    [
        (nameof(DispatchBenchmarks.Generated), "generated (RunBatchAsync)"),
        (nameof(DispatchBenchmarks.Reflection), "reflection (MethodInfo.Invoke per event)"),
        (nameof(DispatchBenchmarks.Compiled), "compiled expression delegates"),
    ];

    /// <summary>Measures ns and bytes allocated per event for each dispatch.</summary>
    public static void Run(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Progress(context.Options.BenchmarkDotNet ? "dispatch: BenchmarkDotNet (in-process, short job)" : "dispatch: stopwatch loop");
        var results = context.Options.BenchmarkDotNet ? WithBenchmarkDotNet(context) : WithStopwatch(context.Options.Smoke ? 200 : 5_000);
        var baseline = results[nameof(DispatchBenchmarks.Generated)].Nanoseconds;
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (method, label) in Contenders)
        {
            var (ns, bytes) = results[method];
            rows.Add([label, BenchReport.Format(ns, "F1"), BenchReport.Format(ns / baseline, "F2") + "×", BenchReport.Format(bytes, "F1")]);
            context.Report.Measure("dispatch", label, "ns_per_event", ns, "ns");
            context.Report.Measure("dispatch", label, "bytes_per_event", bytes, "B");
        }

        context.Report.Add(new ReportSection(
            "Dispatch micro-benchmark",
            $"The aggregate's handlers over an in-memory batch of {DispatchBenchmarks.EventsPerBatch:N0} events in 100 streams (find, create or apply, store per event); "
            + (context.Options.BenchmarkDotNet ? "BenchmarkDotNet 0.15.8, in-process emit toolchain, short job, MemoryDiagnoser." : "stopwatch loop (BenchmarkDotNet is skipped in this profile)."),
            ["dispatch", "ns/event", "vs generated", "bytes allocated/event"],
            rows,
            []));
    }

    private static Dictionary<string, (double Nanoseconds, double Bytes)> WithBenchmarkDotNet(BenchContext context)
    {
        var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("in-process");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(Path.GetFullPath(Path.Combine(context.Options.OutputDirectory, "benchmarkdotnet")))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<DispatchBenchmarks>(config);
        var results = new Dictionary<string, (double, double)>();
        foreach (var report in summary.Reports)
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (report.ResultStatistics is null)
            {
                throw new InvalidOperationException($"BenchmarkDotNet produced no result for {method}.");
            }

            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            results[method] = (report.ResultStatistics.Mean, bytes);
        }

        return results;
    }

    private static Dictionary<string, (double Nanoseconds, double Bytes)> WithStopwatch(int iterations)
    {
        var benchmarks = new DispatchBenchmarks();
        benchmarks.Setup();
        var runs = new Dictionary<string, Action>
        {
            [nameof(DispatchBenchmarks.Generated)] = () => benchmarks.Generated().AsTask().GetAwaiter().GetResult(),
            [nameof(DispatchBenchmarks.Reflection)] = benchmarks.Reflection,
            [nameof(DispatchBenchmarks.Compiled)] = benchmarks.Compiled,
        };
        var results = new Dictionary<string, (double, double)>();
        foreach (var (method, run) in runs)
        {
            for (var i = 0; i < iterations / 10; i++)
            {
                run();
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                run();
            }

            stopwatch.Stop();
            var events = (double)iterations * DispatchBenchmarks.EventsPerBatch;
            results[method] = (stopwatch.Elapsed.TotalNanoseconds / events, (GC.GetAllocatedBytesForCurrentThread() - allocated) / events);
        }

        if (benchmarks.Documents != 100)
        {
            throw new InvalidOperationException($"The dispatch contenders kept {benchmarks.Documents} documents, expected 100.");
        }

        return results;
    }
}
