namespace ProjectionGen.Health;

/// <summary>Thresholds of the ProjectionGen health check and how often the cluster's progress rows are sampled.</summary>
public sealed class ProjectionHealthOptions
{
    /// <summary>How long a projection may have no owner anywhere in the cluster before the check reports unhealthy. Default 30 s.</summary>
    public TimeSpan UnownedThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The lag, in sequence numbers behind the safe high-water mark, above which the check reports degraded. Default 10000.</summary>
    public long LagEventsThreshold { get; set; } = 10_000;

    /// <summary>The age of the oldest unprocessed event above which the check reports degraded. Default 1 min.</summary>
    public TimeSpan LagThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each node samples the progress rows for lag, ownership and rebuilds. Default 5 s.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The problems with these settings, one clear message each; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (UnownedThreshold <= TimeSpan.Zero)
        {
            errors.Add($"UnownedThreshold must be positive (was {UnownedThreshold}).");
        }

        if (LagEventsThreshold < 1)
        {
            errors.Add($"LagEventsThreshold must be at least 1 (was {LagEventsThreshold}).");
        }

        if (LagThreshold <= TimeSpan.Zero)
        {
            errors.Add($"LagThreshold must be positive (was {LagThreshold}).");
        }

        if (SampleInterval <= TimeSpan.Zero)
        {
            errors.Add($"SampleInterval must be positive (was {SampleInterval}).");
        }

        return errors;
    }
}
