using System.Security.Cryptography;
using System.Text;

namespace ProjectionGen.Daemon;

/// <summary>
/// What a projection's code reads: the stored names of the event types it handles and of those its upcasters read from
/// (<see cref="ProjectionDescriptor.UpcastFromNames"/>), sorted, and their fingerprint (the lower-case hex sha256 of the
/// names joined by line feeds). Nodes register it per generation at start (<see cref="ShapeRegistration"/>); a newer
/// shape fences the owners of an older one (docs/cluster.md, "Shapes across code versions").
/// </summary>
internal sealed class ProjectionShape
{
    /// <param name="typeNames">The stored event type names, in any order, duplicates allowed.</param>
    public ProjectionShape(IEnumerable<string> typeNames)
    {
        Types = [.. typeNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", Types))));
    }

    /// <summary>The sorted, distinct stored names.</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>The sha256 of <see cref="Types"/>, 64 lower-case hex digits.</summary>
    public string Fingerprint { get; }

    /// <summary>The shape of <paramref name="setup"/>'s code.</summary>
    public static ProjectionShape Of(ProjectionSetup setup) => new(setup.EventTypeNames.Concat(setup.Descriptor.UpcastFromNames));

    /// <summary>The names in <paramref name="other"/> that this shape lacks.</summary>
    public IReadOnlyList<string> Lacks(IEnumerable<string> other) => [.. other.Where(name => !Types.Contains(name, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
