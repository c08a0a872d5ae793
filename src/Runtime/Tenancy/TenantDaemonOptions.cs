using ProjectionGen.Daemon;

namespace ProjectionGen.Tenancy;

/// <summary>The options of one tenant's daemon: a copy of the node's template with the tenant database's connection string.</summary>
internal static class TenantDaemonOptions
{
    /// <summary>A copy of <paramref name="template"/> that connects to <paramref name="connectionString"/> (batches and lock; none for a template).</summary>
    public static ProjectionDaemonOptions For(ProjectionDaemonOptions template, string? connectionString)
    {
        var options = new ProjectionDaemonOptions
        {
            ConnectionString = connectionString,
            LockConnectionString = null,
            NodeName = template.NodeName,
            HeartbeatInterval = template.HeartbeatInterval,
            HeartbeatTimeout = template.HeartbeatTimeout,
            AcquireInterval = template.AcquireInterval,
            PollInterval = template.PollInterval,
            DefaultBatchSize = template.DefaultBatchSize,
            CatchUpBatchSize = template.CatchUpBatchSize,
            DefaultMaxRetries = template.DefaultMaxRetries,
            RetryDelay = template.RetryDelay,
            MaxRetryDelay = template.MaxRetryDelay,
            Capacity = template.Capacity,
            EvictionTimeout = template.EvictionTimeout,
            PlacementFallback = template.PlacementFallback,
            DocumentSerializerOptions = template.DocumentSerializerOptions,
        };
        foreach (var tag in template.Tags)
        {
            options.Tags.Add(tag);
        }

        foreach (var (projection, targets) in template.Pins)
        {
            options.Pins[projection] = [.. targets];
        }

        return options;
    }
}
