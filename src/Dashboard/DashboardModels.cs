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
    string? Error);

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
