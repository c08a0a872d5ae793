using System.Collections.Frozen;
using System.Text;

namespace ProjectionGen.Dashboard;

/// <summary>The page's files, embedded in this assembly (no CDN, nothing fetched from elsewhere) and loaded once.</summary>
internal sealed class DashboardAssets
{
    private readonly FrozenDictionary<string, (byte[] Content, string ContentType)> files;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal)
        {
            ["app.js"] = (Read(assembly, "app.js"), "text/javascript; charset=utf-8"),
            ["app.css"] = (Read(assembly, "app.css"), "text/css; charset=utf-8"),
        }.ToFrozenDictionary(StringComparer.Ordinal);
        IndexTemplate = Encoding.UTF8.GetString(Read(assembly, "index.html"));
    }

    /// <summary>The page, with a <c>{{BASE}}</c> placeholder for its base address.</summary>
    public string IndexTemplate { get; }

    public bool TryGet(string name, out byte[] content, out string contentType)
    {
        if (files.TryGetValue(name, out var file))
        {
            (content, contentType) = file;
            return true;
        }

        content = [];
        contentType = "";
        return false;
    }

    private static byte[] Read(System.Reflection.Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream("ProjectionGen.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is missing from the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
