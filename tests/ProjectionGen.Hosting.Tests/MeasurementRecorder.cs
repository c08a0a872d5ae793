using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ProjectionGen.Diagnostics;

namespace ProjectionGen.Tests;

/// <summary>Listens to one ProjectionGen instrument through a <see cref="MeterListener"/> and keeps its measurements with their tags.</summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener listener = new();

    public MeasurementRecorder(string instrumentName)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProjectionGenTelemetry.MeterName && instrument.Name == instrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            Measurements.Enqueue((value, copy));
        });
        listener.Start();
    }

    public ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    /// <summary>The sum of the measurements whose tags include every given pair.</summary>
    public long Sum(params (string Key, string Value)[] tags) =>
        Measurements.Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value))).Sum(m => m.Value);

    public void Dispose() => listener.Dispose();
}
