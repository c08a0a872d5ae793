using Orders.Infrastructure;
using ProjectionGen.Daemon;

namespace Orders.Demo;

/// <summary>Prints the demo's verification: events, owner timelines, lock losses with detection times, and the check.</summary>
internal static class DemoReport
{
    public static void Print(DemoTimeline timeline, ExactlyOnceVerifier.Result result)
    {
        var events = timeline.Events;
        Console.WriteLine();
        Console.WriteLine("== Verification");
        Console.WriteLine($"events appended and committed: {result.Events}; ledger rows: {result.LedgerRows}; order summaries: {result.Summaries}");
        Console.WriteLine($"sku sales: {result.SkuSales} products (multi-stream); upcast events: {result.UpcastEvents} stored as order_line_added, read as ItemAdded");

        foreach (var projection in events.Select(e => e.Event.Projection).Distinct().Order(StringComparer.Ordinal))
        {
            Console.WriteLine();
            Console.WriteLine($"owner timeline of {projection}:");
            Console.WriteLine("  epoch  node     acquired   from      to        ended");
            var mine = events.Where(e => e.Event.Projection == projection).ToList();
            foreach (var (at, acquired) in mine.Where(e => e.Event.Kind == ProjectionLifecycleKind.LockAcquired))
            {
                var sameEpoch = mine.Where(e => e.Event.Epoch == acquired.Epoch && e.Event.Node == acquired.Node).ToList();
                var to = sameEpoch.Where(e => e.Event.Kind == ProjectionLifecycleKind.BatchCommitted).Select(e => e.Event.ToPosition).DefaultIfEmpty(acquired.FromPosition).Max();
                var end = sameEpoch.FirstOrDefault(e => e.Event.Kind == ProjectionLifecycleKind.LockLost).Event?.Cause
                    ?? sameEpoch.FirstOrDefault(e => e.Event.Kind == ProjectionLifecycleKind.AgentStopped).Event?.Cause
                    ?? "current owner";
                Console.WriteLine($"  {acquired.Epoch,5}  {acquired.Node,-7}  {at.TotalSeconds,7:F1}s  {acquired.FromPosition,-8}  {to,-8}  {end}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("lock losses (detection = fault to loss noticed; takeover = fault to first commit under a newer epoch):");
        var faults = timeline.Faults;
        for (var i = 0; i < faults.Count; i++)
        {
            var (at, fault) = faults[i];
            var until = i + 1 < faults.Count ? faults[i + 1].At : TimeSpan.MaxValue;
            Console.WriteLine($"  {fault} at {at.TotalSeconds:F1}s");
            foreach (var (lostAt, lost) in events.Where(e => e.Event.Kind == ProjectionLifecycleKind.LockLost && e.At >= at && e.At < until))
            {
                var takeover = events.FirstOrDefault(e => e.Event.Kind == ProjectionLifecycleKind.BatchCommitted && e.Event.Projection == lost.Projection && e.Event.Epoch > lost.Epoch && e.At >= lostAt);
                var takeoverText = takeover.Event is null ? "no commit since" : $"{(takeover.At - at).TotalMilliseconds:F0} ms by {takeover.Event.Node}";
                Console.WriteLine($"    {lost.Node} lost {lost.Projection} (epoch {lost.Epoch}): {lost.Cause}; detection {(lostAt - at).TotalMilliseconds:F0} ms; takeover {takeoverText}");
            }
        }

        Console.WriteLine();
        if (result.Verified)
        {
            Console.WriteLine("exactly-once verified");
        }
        else
        {
            Console.WriteLine($"DISCREPANCIES ({result.Problems.Count}):");
            foreach (var problem in result.Problems.Take(50))
            {
                Console.WriteLine("  " + problem);
            }
        }
    }
}
