namespace ProjectionGen.Dashboard;

/// <summary>Settings of the dashboard mapped by <c>MapProjectionGenDashboard</c>; see <c>docs/dashboard.md</c>.</summary>
public sealed class ProjectionGenDashboardOptions
{
    /// <summary>
    /// The authorization policy a user must satisfy to rebuild, resume, drain and retry or discard dead letters.
    /// <see langword="null"/> (the default): no action is mapped at all and the page is read-only. Actions also need a
    /// valid anti-forgery token, which the page sends.
    /// </summary>
    public string? ActionsPolicy { get; set; }

    /// <summary>
    /// The authorization policy a user must satisfy to see the page and its data; <see langword="null"/> (the default):
    /// whatever the application's own endpoint conventions say (for example <c>.RequireAuthorization(...)</c> on the
    /// returned builder).
    /// </summary>
    public string? ReadPolicy { get; set; }

    /// <summary>How often the page asks for fresh data (2 s).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How far back the timeline and the lag charts reach (1 hour).</summary>
    public TimeSpan HistoryWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often lag is sampled for the charts (10 s): in the background, and by page refreshes at most this often.
    /// Memory: one sample per projection per interval over <see cref="HistoryWindow"/> (360 per projection by default).
    /// </summary>
    public TimeSpan LagSampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most timeline entries the page shows (500).</summary>
    public int MaxHistoryEntries { get; set; } = 500;

    /// <summary>The most dead letters the page shows, newest first (100).</summary>
    public int MaxDeadLetters { get; set; } = 100;

    /// <summary>Tenant databases per page of the tenant section (50); the page filters and pages them on the server.</summary>
    public int TenantPageSize { get; set; } = 50;
}
