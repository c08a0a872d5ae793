using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProjectionGen.Locking;

/// <summary>
/// A 64-bit PostgreSQL advisory-lock key, and the one place where ProjectionGen derives every key it takes: the lock
/// of each slot (a projection, or one shard of it), the append marker that the safe high-water mark watches, and the
/// schema-migration lock. Keys are deterministic across nodes, processes and versions, and scoped by the schema so that
/// two installations in one database do not contend.
/// </summary>
/// <remarks>
/// <para>In <c>pg_locks</c> a bigint key appears as <c>classid</c> = high 32 bits, <c>objid</c> = low 32 bits,
/// <c>objsubid</c> = 1.</para>
/// <para>Slot keys are the first 8 bytes (big-endian) of SHA-256 of a path naming the slot. The append marker and the
/// migration lock keep the 64-bit FNV-1a derivation they were released with: the marker's value is compiled into the
/// installed <c>append_events</c> function, and a node of another version computing another value would stop seeing
/// appends in flight (see docs/daemon.md, "Lock keys"). Their values are pinned by tests.</para>
/// </remarks>
public readonly record struct AdvisoryLockKey(long Value)
{
    /// <summary>The key of an unsharded projection's slot in <paramref name="schema"/>.</summary>
    public static AdvisoryLockKey ForProjection(string schema, string projection)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(projection);
        return Sha256($"projectiongen/{schema}/{projection}");
    }

    /// <summary>
    /// The key of shard <paramref name="shard"/> of <paramref name="shards"/>; for one shard, the projection's key. The
    /// shard count is part of the key, so that slots of two shard counts never exclude or impersonate each other.
    /// </summary>
    public static AdvisoryLockKey ForSlot(string schema, string projection, int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        return shards == 1
            ? ForProjection(schema, projection)
            : Sha256(string.Create(CultureInfo.InvariantCulture, $"projectiongen/{schema}/{projection}/{shard}of{shards}"));
    }

    /// <summary>
    /// The transaction-level lock that serializes changes to the set of <paramref name="projection"/>'s slot rows
    /// (registration at start-up, resharding by a rebuild); distinct from every slot's own key, which a running owner holds.
    /// </summary>
    public static AdvisoryLockKey ForSlotRegistration(string schema, string projection)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(projection);
        return Sha256($"projectiongen/{schema}/{projection}/slots");
    }

    /// <summary>The append marker of <paramref name="schema"/>: taken shared by every append, watched by the safe high-water mark.</summary>
    public static AdvisoryLockKey ForAppendMarker(string schema) => Fnv1a("append", schema);

    /// <summary>The transaction-level lock that serializes schema migrations of <paramref name="schema"/>.</summary>
    public static AdvisoryLockKey ForSchemaMigration(string schema) => Fnv1a("schema", schema);

    /// <summary>The high 32 bits, as <c>pg_locks.classid</c> shows them.</summary>
    public uint ClassId => (uint)((ulong)Value >> 32);

    /// <summary>The low 32 bits, as <c>pg_locks.objid</c> shows them.</summary>
    public uint ObjId => (uint)((ulong)Value & 0xFFFF_FFFF);

    /// <inheritdoc />
    public override string ToString() => Value.ToString("X16", CultureInfo.InvariantCulture);

    private static AdvisoryLockKey Sha256(string path)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(path), hash);
        return new AdvisoryLockKey(BinaryPrimitives.ReadInt64BigEndian(hash));
    }

    private static AdvisoryLockKey Fnv1a(string purpose, string schema)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        const ulong offsetBasis = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes("projectiongen/" + purpose + "/" + schema))
        {
            hash ^= b;
            hash *= prime;
        }

        return new AdvisoryLockKey(unchecked((long)hash));
    }
}
