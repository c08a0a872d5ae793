namespace ProjectionGen.Alerts;

/// <summary>
/// Receives <see cref="ProjectionAlert"/>s (lock losses, agent stops and pauses, dead letters) so that someone can be
/// paged. Register any number with <c>AddAlertSink&lt;T&gt;()</c>; a sink that logs is registered by default.
/// </summary>
/// <remarks>
/// Sinks run one alert at a time on a background task, never on the daemon's threads: a slow or failing sink delays
/// only other alerts and never the daemon. An exception from a sink is logged and swallowed.
/// </remarks>
public interface IProjectionAlertSink
{
    /// <summary>Handles one alert.</summary>
    ValueTask OnAlertAsync(ProjectionAlert alert, CancellationToken cancellationToken);
}
