using Microsoft.Extensions.Options;
using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>
/// The recent lag of every projection, for the charts: samples taken from status reads (the page's and the
/// <see cref="LagSampler"/>'s), at least <see cref="Spacing"/> (the lag sample interval) apart, kept for the history
/// window (360 per projection with the defaults). In memory in this process: a page opened on another node starts from that node's samples.
/// </summary>
internal sealed class LagSeries
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<LagSample>> series = new(StringComparer.Ordinal);
    private readonly TimeSpan window;

    public LagSeries(IOptions<ProjectionGenDashboardOptions> options)
    {
        window = options.Value.HistoryWindow;
        Spacing = options.Value.LagSampleInterval;
    }

    /// <summary>The shortest time between two samples of a projection.</summary>
    public TimeSpan Spacing { get; }

    /// <summary>Adds a sample per projection unless its last one is younger than <see cref="Spacing"/>; forgets projections that are gone.</summary>
    public void Record(IReadOnlyList<ProjectionStatus> statuses)
    {
        lock (gate)
        {
            foreach (var status in statuses)
            {
                if (!series.TryGetValue(status.Projection, out var samples))
                {
                    series[status.Projection] = samples = [];
                }

                if (samples.Count > 0 && status.ReadAt - samples[^1].At < Spacing)
                {
                    continue;
                }

                samples.Add(new LagSample(status.ReadAt, status.LagEvents, Math.Round(status.Lag.TotalSeconds, 3)));
                var oldest = status.ReadAt - window;
                var expired = samples.FindIndex(s => s.At >= oldest);
                if (expired > 0)
                {
                    samples.RemoveRange(0, expired);
                }
            }

            if (series.Count > statuses.Count)
            {
                var present = statuses.Select(s => s.Projection).ToHashSet(StringComparer.Ordinal);
                foreach (var gone in series.Keys.Where(name => !present.Contains(name)).ToList())
                {
                    series.Remove(gone);
                }
            }
        }
    }

    /// <summary>The samples of <paramref name="projection"/> taken after <paramref name="after"/> (all when <see langword="null"/>).</summary>
    public IReadOnlyList<LagSample> After(string projection, DateTimeOffset? after)
    {
        lock (gate)
        {
            if (!series.TryGetValue(projection, out var samples))
            {
                return [];
            }

            return after is { } since ? samples.Where(s => s.At > since).ToList() : [.. samples];
        }
    }
}
