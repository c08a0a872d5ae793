using System.Globalization;

namespace ProjectionGen.Benchmarks.Workload;

/// <summary>
/// The catch-up workload, identical for every contender: <see cref="Events"/> events over <see cref="Streams"/> streams,
/// appended in rounds so that consecutive global positions belong to different streams (a batch of 500 events touches
/// many summaries, as in a real store). Every tenth event of a stream is a withdrawal.
/// </summary>
public sealed class WorkloadPlan
{
    /// <summary>Creates a plan; <paramref name="eventsPerAppend"/> events of one stream go into each append call.</summary>
    public WorkloadPlan(int events, int streams, int eventsPerAppend)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(eventsPerAppend, 1);
        Streams = Math.Min(streams, events);
        Events = events;
        EventsPerAppend = eventsPerAppend;
        for (var k = 0; k < events; k++)
        {
            var (_, index) = Locate(k);
            var amount = AmountOf(index);
            ExpectedBalance += IsWithdrawal(index) ? -amount : amount;
        }
    }

    /// <summary>Total events.</summary>
    public int Events { get; }

    /// <summary>Distinct streams.</summary>
    public int Streams { get; }

    /// <summary>Events of one stream per append call.</summary>
    public int EventsPerAppend { get; }

    /// <summary>The sum of all summaries' balances once every event is projected.</summary>
    public long ExpectedBalance { get; }

    /// <summary>ProjectionGen's stream id of stream <paramref name="stream"/>.</summary>
    public static string StreamKey(int stream) => "acct-" + stream.ToString(CultureInfo.InvariantCulture);

    /// <summary>Marten's stream id of stream <paramref name="stream"/> (deterministic).</summary>
    public static Guid StreamGuid(int stream)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, stream + 1);
        bytes[15] = 0x42;
        return new Guid(bytes);
    }

    /// <summary>The appends in order: each is one stream and its next few events.</summary>
    public IEnumerable<(int Stream, object[] Events)> Appends()
    {
        var perStream = (Events + Streams - 1) / Streams;
        for (var start = 0; start < perStream; start += EventsPerAppend)
        {
            for (var stream = 0; stream < Streams; stream++)
            {
                var count = Math.Min(EventsPerAppend, EventsOf(stream) - start);
                if (count <= 0)
                {
                    continue;
                }

                var events = new object[count];
                for (var i = 0; i < count; i++)
                {
                    events[i] = Create(stream, start + i);
                }

                yield return (stream, events);
            }
        }
    }

    /// <summary>The <paramref name="index"/>-th event of stream <paramref name="stream"/>.</summary>
    public static object Create(int stream, int index)
    {
        var account = StreamKey(stream);
        var amount = AmountOf(index);
        return IsWithdrawal(index) ? new FundsWithdrawn(account, amount) : new FundsDeposited(account, amount);
    }

    private int EventsOf(int stream) => Events / Streams + (stream < Events % Streams ? 1 : 0);

    private (int Stream, int Index) Locate(int k) => (k % Streams, k / Streams);

    private static int AmountOf(int index) => index % 97 + 1;

    private static bool IsWithdrawal(int index) => index % 10 == 9;
}
