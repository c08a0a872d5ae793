using ProjectionGen.Daemon;

namespace ProjectionGen.Tenancy;

/// <summary>One slot of a tenant database's daemon, as its node last published it on the <see cref="TenantStatusBoard"/>.</summary>
/// <param name="Projection">The slot: a projection, or <c>name/shard</c> for a shard.</param>
/// <param name="Status">The slot's agent state on that node.</param>
/// <param name="Epoch">The fencing epoch of the node's current or last ownership (0 if never owned).</param>
/// <param name="Position">The last committed position the node knows.</param>
/// <param name="LastCommitAt">When the node last committed a batch of it.</param>
/// <param name="LagEvents">The tenant database's high-water mark as the node knew it, minus <paramref name="Position"/> (never below 0).</param>
public sealed record TenantSlotStatus(string Projection, AgentStatus Status, long Epoch, long Position, DateTimeOffset? LastCommitAt, long LagEvents);
