using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ProjectionGen.Locking;

/// <summary>
/// The 64-bit PostgreSQL advisory-lock key of a projection: the first 8 bytes (big-endian) of
/// SHA-256("projectiongen/" + schema + "/" + projection name). Deterministic across nodes, processes and versions,
/// and scoped by the schema so that two ProjectionGen installations in one database do not contend.
/// </summary>
/// <remarks>
/// In <c>pg_locks</c> a bigint key appears as <c>classid</c> = high 32 bits, <c>objid</c> = low 32 bits,
/// <c>objsubid</c> = 1. Collisions between the projections of one daemon are checked at start-up.
/// </remarks>
public readonly record struct ProjectionLockKey(long Value)
{
    /// <summary>The key of <paramref name="projectionName"/> in <paramref name="schema"/>.</summary>
    public static ProjectionLockKey For(string schema, string projectionName)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(projectionName);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"projectiongen/{schema}/{projectionName}"), hash);
        return new ProjectionLockKey(BinaryPrimitives.ReadInt64BigEndian(hash));
    }

    /// <summary>The high 32 bits, as <c>pg_locks.classid</c> shows them.</summary>
    public uint ClassId => (uint)((ulong)Value >> 32);

    /// <summary>The low 32 bits, as <c>pg_locks.objid</c> shows them.</summary>
    public uint ObjId => (uint)((ulong)Value & 0xFFFF_FFFF);

    /// <inheritdoc />
    public override string ToString() => Value.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);
}
