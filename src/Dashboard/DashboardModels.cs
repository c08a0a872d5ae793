using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProjectionGen.Dashboard;

/// <summary>Everything the page shows, as one JSON document (<c>api/snapshot</c>).</summary>
internal sealed record DashboardSnapshot(
    DateTimeOffset ReadAt,
    int RefreshMilliseconds,
    string NodeSource,
    IReadOnlyList<DashboardNode> Nodes,
    IReadOnlyList<DashboardProjection> Projections,
    IReadOnlyList<DashboardHistoryEntry> History,
    long DeadLetterTotal,
    IReadOnlyList<DashboardDeadLetter> DeadLetters,
    DashboardActions Actions,
    string? Error,
    DashboardTenants? Tenants = null);

/// <summary>What the page asks of the tenant section: a tenant id filter (a case-insensitive part of the id), failed tenants only, and a page (from 0).</summary>
internal sealed record DashboardTenantQuery(string? Filter, bool FailedOnly, int Page);

/// <summary>One page of the tenant status board, with the counts the page shows above it.</summary>
/// <param name="Total">Tenant databases on the board.</param>
/// <param name="Failed">Of them, failed or whose node is gone.</param>
/// <param name="Matching">Of them, those the filter matches.</param>
/// <param name="Page">The page shown (from 0).</param>
/// <param name="PageSize">Tenants per page.</param>
/// <param name="Rows">The tenants of the page, ordered by tenant id.</param>
/// <param name="Error">Why the board could not be read, if it could not.</param>
internal sealed record DashboardTenants(int Total, int Failed, int Matching, int Page, int PageSize, IReadOnlyList<DashboardTenant> Rows, string? Error);

/// <summary>One tenant database: its node, its state and its slots.</summary>
internal sealed record DashboardTenant(
    string TenantId, string Node, bool NodeAlive, string Status, string? Error, int FailedStarts, DateTimeOffset Since, long? HighWaterMark, IReadOnlyList<DashboardTenantSlot> Slots);

/// <summary>One slot of a tenant database's daemon.</summary>
internal sealed record DashboardTenantSlot(string Projection, string Status, long Epoch, long Position, long LagEvents, DateTimeOffset? LastCommitAt);

/// <summary>A node of the cluster as the node source sees it.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Connected">Whether it holds a lock connection now.</param>
/// <param name="Since">When its lock connection started.</param>
/// <param name="LastSeen">Its lock connection's last activity (the heartbeat runs every second), or its last heartbeat in a registry.</param>
/// <param name="LocksHeld">Advisory locks (projections) it holds.</param>
/// <param name="Capacity">How many projections it may own, where a registry knows it.</param>
/// <param name="Version">Its software version, where a registry knows it.</param>
internal sealed record DashboardNode(string Name, bool Connected, DateTimeOffset? Since, DateTimeOffset? LastSeen, int LocksHeld, int? Capacity, string? Version);

/// <summary>One projection's row, plus its recent lag samples.</summary>
internal sealed record DashboardProjection(
    string Projection,
    string? Owner,
    bool OwnerAlive,
    DateTimeOffset? OwnerSince,
    long Epoch,
    long Position,
    long HighWaterMark,
    long LagEvents,
    double LagSeconds,
    DateTimeOffset? LastCommitAt,
    string State,
    bool PausedHere,
    string? LastLossCause,
    DateTimeOffset? LastLossAt,
    long DeadLetterCount,
    IReadOnlyList<LagSample> Lag);

/// <summary>One lag sample: when, events behind, seconds behind.</summary>
internal sealed record LagSample(DateTimeOffset At, long Events, double Seconds);

/// <summary>One timeline entry.</summary>
internal sealed record DashboardHistoryEntry(long Id, DateTimeOffset At, string Kind, string Projection, string? Node, long? Epoch, long? Position, string? Detail);

/// <summary>One dead letter with its payload (rendered as text, never as markup).</summary>
internal sealed record DashboardDeadLetter(
    long Id, string Projection, long Sequence, string StreamId, string EventType, long? Epoch, string? Node, string Reason, string? Exception, int Attempts, DateTimeOffset CreatedAt, string? Payload);

/// <summary>Which actions this user may take, and the anti-forgery token to send with them.</summary>
/// <param name="Mapped">Whether the application mapped actions at all (an <c>ActionsPolicy</c> is set).</param>
/// <param name="Allowed">Whether this user satisfies the policy.</param>
/// <param name="CanResume">Whether this application runs a node that can resume its paused projections.</param>
/// <param name="CanDrain">Whether a drain operation is available.</param>
/// <param name="FormField">The anti-forgery form field name.</param>
/// <param name="Token">The anti-forgery request token; only when <paramref name="Allowed"/>.</param>
internal sealed record DashboardActions(bool Mapped, bool Allowed, bool CanResume, bool CanDrain, string? FormField, string? Token);

/// <summary>
/// The answer to an action. Its names are fixed, because the typed results (<c>Ok</c>, <c>NotFound</c>, ...) write it
/// with the application's JSON options, whose naming policy the page must not depend on.
/// </summary>
internal sealed record DashboardActionResult([property: JsonPropertyName("ok")] bool Ok, [property: JsonPropertyName("message")] string Message);

/// <summary>Source-generated JSON for the dashboard's documents: camelCase, no reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(DashboardActionResult))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
