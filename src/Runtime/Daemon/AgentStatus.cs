namespace ProjectionGen.Daemon;

/// <summary>The state of a projection's <c>SubscriptionAgent</c> on one node.</summary>
public enum AgentStatus
{
    /// <summary>The node does not run the projection (another node owns it, or nobody does yet).</summary>
    NotOwned = 0,

    /// <summary>The node holds the lock and the agent is projecting.</summary>
    Running = 1,

    /// <summary>The agent stopped (lock lost, fenced commit, failure or shutdown); the node re-contends for the lock.</summary>
    Stopped = 2,

    /// <summary>The agent paused on a poison event under <see cref="PoisonEventPolicy.Pause"/>; it stays paused until restarted.</summary>
    Paused = 3,
}
