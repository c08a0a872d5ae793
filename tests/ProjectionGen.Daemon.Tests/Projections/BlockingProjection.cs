namespace ProjectionGen.Tests.Projections;

/// <summary>A handler that blocks on a gate and ignores cancellation (an external call that hangs).</summary>
[Projection("blocking", BatchSize = 10)]
public partial class BlockingProjection
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task Handle(Deposited e)
    {
        Entered.TrySetResult();
        await Gate.Task.ConfigureAwait(false);
    }
}
