using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Polls a condition until it holds; fails with a message after a generous bound (never a speed assertion).</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for: {what}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
