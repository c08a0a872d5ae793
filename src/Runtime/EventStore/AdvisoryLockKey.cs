using System.Text;

namespace ProjectionGen.EventStore;

/// <summary>
/// Stable 64-bit advisory-lock keys derived from names (FNV-1a over UTF-8), so that every node and every process
/// version computes the same key for the same purpose and name.
/// </summary>
public static class AdvisoryLockKey
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>The key for <paramref name="name"/> used for <paramref name="purpose"/> (for example <c>append</c> and a schema name).</summary>
    public static long For(string purpose, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes("projectiongen/" + purpose + "/" + name))
        {
            hash ^= b;
            hash *= Prime;
        }

        return unchecked((long)hash);
    }

    /// <summary>The key's <c>classid</c> in <c>pg_locks</c>: its high 32 bits.</summary>
    public static long ClassId(long key) => (long)((ulong)key >> 32);

    /// <summary>The key's <c>objid</c> in <c>pg_locks</c>: its low 32 bits.</summary>
    public static long ObjectId(long key) => key & 0xFFFF_FFFFL;
}
