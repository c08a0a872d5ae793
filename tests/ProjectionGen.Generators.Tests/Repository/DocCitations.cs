using System.Text;
using System.Text.RegularExpressions;

namespace ProjectionGen.Generators.Tests.Repository;

/// <summary>One citation of a docs section in a comment: where its comment block starts, the file it names and the section's text.</summary>
internal sealed record DocCitation(string Location, string File, string Section);

/// <summary>
/// Finds the docs sections cited in the comments of C# sources and checks them against the headings of docs/*.md.
/// Accepted forms, in <c>//</c> and <c>///</c> comments (a citation may run over several comment lines):
/// <c>docs/{file}.md, "{Section}"</c>, <c>docs/{file}.md "{Section}"</c> and <c>docs/{file}.md ("{Section}")</c>. A citation matches a
/// heading (any level) whose text equals the section, ignoring case, or starts with it followed by something other than
/// a letter or digit (<c>"Writes"</c> names <c>### Writes: typed rows</c>, <c>"Why it is safe"</c> names
/// <c>## Why it is safe (Kleppmann's fencing token)</c>).
/// </summary>
internal static partial class DocCitations
{
    /// <summary>The repository root: the nearest folder above <paramref name="start"/> that holds ProjectionGen.sln.</summary>
    public static string RepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ProjectionGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ProjectionGen.sln above {start}.");
    }

    /// <summary>Every citation in the C# sources under <paramref name="folders"/> of <paramref name="root"/> (build output excluded).</summary>
    public static List<DocCitation> InSources(string root, params string[] folders)
    {
        var citations = new List<DocCitation>();
        foreach (var folder in folders)
        {
            var path = Path.Combine(root, folder);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(path, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal))
                {
                    continue;
                }

                citations.AddRange(InText(relative, File.ReadAllText(file)));
            }
        }

        return citations;
    }

    /// <summary>The citations in the comments of one source text.</summary>
    public static IEnumerable<DocCitation> InText(string name, string text)
    {
        // Consecutive comment lines form one block of text, so a citation broken over two lines is still seen.
        var block = new StringBuilder();
        var blockStart = 0;
        var lines = text.Split('\n');
        for (var i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i].Trim() : null;
            if (line is not null && line.StartsWith("//", StringComparison.Ordinal))
            {
                if (block.Length == 0)
                {
                    blockStart = i + 1;
                }

                block.Append(' ').Append(line.TrimStart('/').Trim());
                continue;
            }

            if (block.Length > 0)
            {
                foreach (Match match in Citation().Matches(block.ToString()))
                {
                    yield return new DocCitation($"{name}:{blockStart}", match.Groups["file"].Value, match.Groups["section"].Value);
                }

                block.Clear();
            }
        }
    }

    /// <summary>Why <paramref name="citation"/> is broken, or <see langword="null"/> when its file has a matching heading.</summary>
    public static string? Problem(string root, DocCitation citation)
    {
        var path = Path.Combine(root, "docs", citation.File);
        if (!File.Exists(path))
        {
            return $"{citation.Location}: docs/{citation.File} does not exist (cited for \"{citation.Section}\")";
        }

        var headings = File.ReadLines(path).Where(line => line.StartsWith('#')).Select(line => line.TrimStart('#').Trim()).ToList();
        return headings.Any(heading => Matches(heading, citation.Section))
            ? null
            : $"{citation.Location}: docs/{citation.File} has no heading \"{citation.Section}\" (its headings: {string.Join(" | ", headings)})";
    }

    /// <summary>Whether <paramref name="heading"/> is the section <paramref name="section"/> names.</summary>
    public static bool Matches(string heading, string section)
    {
        var wanted = Regex.Replace(section.Trim(), @"\s+", " ");
        return heading.StartsWith(wanted, StringComparison.OrdinalIgnoreCase)
            && (heading.Length == wanted.Length || !char.IsLetterOrDigit(heading[wanted.Length]));
    }

    [GeneratedRegex(@"docs/(?<file>[A-Za-z0-9_-]+\.md)\s*(?:,\s*|\(\s*)?""(?<section>[^""]+)""")]
    private static partial Regex Citation();
}
