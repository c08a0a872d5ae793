using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Checker;

/// <summary>The invariants of docs/daemon.md and docs/chaos.md, checked against a run's history. Each violation is one line.</summary>
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

    /// <summary>
    /// I2 exactly-once: each ledger holds one row per committed event and nothing else; each counter projection's
    /// documents equal the fold of the committed events; each ordered ledger applied every stream in stream order.
    /// </summary>
    public static IEnumerable<string> CheckExactlyOnce(ChaosHistory history)
    {
        var expected = new Dictionary<string, ChaosCounter>(StringComparer.Ordinal);
        var known = new HashSet<long>();
        foreach (var envelope in history.Events)
        {
            known.Add(envelope.Sequence);
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

        foreach (var (ledger, rowsBySequence) in history.Ledgers)
        {
            foreach (var sequence in known)
            {
                var rows = rowsBySequence.GetValueOrDefault(sequence);
                if (rows != 1)
                {
                    yield return rows == 0 ? $"I2 {ledger}: event {sequence} missing" : $"I2 {ledger}: event {sequence} applied {rows} times";
                }
            }

            foreach (var sequence in rowsBySequence.Keys.Where(s => !known.Contains(s)))
            {
                yield return $"I2 {ledger}: a row for event {sequence}, which is not committed";
            }
        }

        foreach (var (ledger, rows) in history.LedgerOrder)
        {
            var last = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (stream, sequence) in rows)
            {
                if (last.TryGetValue(stream, out var previous) && sequence <= previous)
                {
                    yield return $"I2 {ledger}: stream {stream} applied event {sequence} after event {previous}";
                }

                last[stream] = sequence;
            }
        }

        foreach (var (projection, documents) in history.Aggregates)
        {
            foreach (var (stream, counter) in expected)
            {
                if (!documents.TryGetValue(stream, out var actual))
                {
                    yield return $"I2 {projection}: {stream} missing";
                }
                else if (actual.Count != counter.Count || actual.Sum != counter.Sum || actual.LastSequence != counter.LastSequence)
                {
                    yield return $"I2 {projection}: {stream} is {actual.Count} events/sum {actual.Sum}/last {actual.LastSequence}, expected {counter.Count}/{counter.Sum}/{counter.LastSequence}";
                }
            }

            foreach (var stream in documents.Keys.Where(s => !expected.ContainsKey(s)))
            {
                yield return $"I2 {projection}: unexpected document {stream}";
            }
        }
    }

    /// <summary>
    /// I8 no overlapping ownership, from the audit trail: per slot, the commits of each (epoch, node) span a time
    /// interval; two nodes' intervals never overlap (an owner's last commit precedes its successor's first).
    /// </summary>
    public static IEnumerable<string> CheckOverlappingOwnership(ChaosHistory history)
    {
        foreach (var chain in history.Audit.GroupBy(row => row.Projection))
        {
            var spans = chain
                .GroupBy(row => (row.Epoch, row.Node))
                .Select(g => (g.Key.Epoch, g.Key.Node, First: g.Min(r => r.CommittedAt), Last: g.Max(r => r.CommittedAt)))
                .OrderBy(s => s.First)
                .ToList();
            for (var i = 0; i < spans.Count; i++)
            {
                for (var j = i + 1; j < spans.Count && spans[j].First <= spans[i].Last; j++)
                {
                    if (spans[j].Node != spans[i].Node)
                    {
                        yield return $"I8 {chain.Key}: {spans[i].Node} (epoch {spans[i].Epoch}) committed until {spans[i].Last:HH:mm:ss.ffffff} while {spans[j].Node} (epoch {spans[j].Epoch}) had committed from {spans[j].First:HH:mm:ss.ffffff}";
                    }
                }
            }
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
