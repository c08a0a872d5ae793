using System.Runtime.CompilerServices;
using ProjectionGen.Daemon;

namespace ProjectionGen.Chaos.Cluster;

// TEMPORARY: the cluster options of docs/cluster-contract, so that the harness compiles before the cluster core lands
// on main. They store values and do nothing. Deleted at the merge of the core, where the real members take over.
internal static class PendingClusterApi
{
    private static readonly ConditionalWeakTable<ProjectionDaemonOptions, Values> Store = [];

    extension(ProjectionDaemonOptions options)
    {
        public int? Capacity { get => Store.GetOrCreateValue(options).Capacity; set => Store.GetOrCreateValue(options).Capacity = value; }

        public IList<string> Tags => Store.GetOrCreateValue(options).Tags;

        public IDictionary<string, string[]> Pins => Store.GetOrCreateValue(options).Pins;

        public TimeSpan EvictionTimeout { get => Store.GetOrCreateValue(options).EvictionTimeout; set => Store.GetOrCreateValue(options).EvictionTimeout = value; }
    }

    private sealed class Values
    {
        public int? Capacity { get; set; }

        public List<string> Tags { get; } = [];

        public Dictionary<string, string[]> Pins { get; } = [];

        public TimeSpan EvictionTimeout { get; set; } = TimeSpan.FromSeconds(8);
    }
}

// TEMPORARY: AdvisoryLockKey.ForSlot of docs/cluster-contract (the derivation of main's src/Runtime/Locking/AdvisoryLockKey.cs).
internal static class PendingSlotKey
{
    public static long ForSlot(string schema, string projection, int shard, int shards)
    {
        var path = shards == 1
            ? $"projectiongen/{schema}/{projection}"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"projectiongen/{schema}/{projection}/{shard}of{shards}");
        Span<byte> hash = stackalloc byte[System.Security.Cryptography.SHA256.HashSizeInBytes];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
