using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Checker;

/// <summary>The invariants of the design notes (section 4), checked against a run's history. Each violation is one line.</summary>
internal static class InvariantChecker
{
    /// <summary>I1 single chain and I3/I4 fencing: per projection, in commit order, each batch starts where the previous ended, epochs never decrease, and each epoch has one node.</summary>
    public static IEnumerable<string> CheckChains(ChaosHistory history)
    {
        foreach (var chain in history.Audit.GroupBy(row => row.Projection))
        {
            AuditRow? previous = null;
            var nodeOfEpoch = new Dictionary<long, string>();
            foreach (var row in chain)
            {
                if (previous is null && row.From != 0)
                {
                    yield return $"I1 {row.Projection}: the first batch starts after {row.From}, not 0";
                }

                if (previous is not null && row.From != previous.To)
                {
                    yield return $"I1 {row.Projection}: batch ({row.From}, {row.To}] of {row.Node} epoch {row.Epoch} follows ({previous.From}, {previous.To}] of {previous.Node} epoch {previous.Epoch}";
                }

                if (previous is not null && row.Epoch < previous.Epoch)
                {
                    yield return $"I3 {row.Projection}: a commit of superseded epoch {row.Epoch} ({row.Node}) was accepted after epoch {previous.Epoch}";
                }

                if (nodeOfEpoch.TryGetValue(row.Epoch, out var owner) && owner != row.Node)
                {
                    yield return $"I1 {row.Projection}: epoch {row.Epoch} committed by both {owner} and {row.Node}";
                }

                nodeOfEpoch[row.Epoch] = row.Node;
                previous = row;
            }
        }
    }

    /// <summary>I2 exactly-once: each read model equals the fold of the committed events.</summary>
    public static IEnumerable<string> CheckExactlyOnce(ChaosHistory history)
    {
        var expected = new Dictionary<string, ChaosCounter>(StringComparer.Ordinal);
        var known = new HashSet<long>();
        foreach (var envelope in history.Events)
        {
            known.Add(envelope.Sequence);
            var rows = history.LedgerRowsBySequence.GetValueOrDefault(envelope.Sequence);
            if (rows != 1)
            {
                yield return rows == 0 ? $"I2 chaos_ledger: event {envelope.Sequence} missing" : $"I2 chaos_ledger: event {envelope.Sequence} applied {rows} times";
            }

            if (envelope.Data is Tick tick)
            {
                if (!expected.TryGetValue(envelope.StreamId, out var counter))
                {
                    expected[envelope.StreamId] = counter = new ChaosCounter();
                }

                counter.Count++;
                counter.Sum += tick.Amount;
                counter.LastSequence = envelope.Sequence;
            }
        }

        foreach (var sequence in history.LedgerRowsBySequence.Keys.Where(s => !known.Contains(s)))
        {
            yield return $"I2 chaos_ledger: a row for event {sequence}, which is not committed";
        }

        foreach (var (stream, counter) in expected)
        {
            if (!history.Counters.TryGetValue(stream, out var actual))
            {
                yield return $"I2 chaos_counter: {stream} missing";
            }
            else if (actual.Count != counter.Count || actual.Sum != counter.Sum || actual.LastSequence != counter.LastSequence)
            {
                yield return $"I2 chaos_counter: {stream} is {actual.Count} events/sum {actual.Sum}/last {actual.LastSequence}, expected {counter.Count}/{counter.Sum}/{counter.LastSequence}";
            }
        }

        foreach (var stream in history.Counters.Keys.Where(s => !expected.ContainsKey(s)))
        {
            yield return $"I2 chaos_counter: unexpected document {stream}";
        }
    }

    /// <summary>Stale commits that the server refused (epoch or lock check): the fencing path really ran.</summary>
    public static int CountRejectedStaleCommits(ChaosHistory history) =>
        history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.CommitRejected);

    /// <summary>Commits refused because a newer epoch existed (the paused-owner case).</summary>
    public static int CountEpochSupersededCommits(ChaosHistory history) =>
        history.Lifecycle.Count(r => r.Kind == ProjectionLifecycleKind.CommitRejected && r.Cause == nameof(ProjectionProgressFailure.EpochSuperseded));

    public static IReadOnlyList<LifecycleRecord> LockLosses(ChaosHistory history) =>
        [.. history.Lifecycle.Where(r => r.Kind == ProjectionLifecycleKind.LockLost)];
}
