using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>One compilation-wide upcaster problem: the index of the upcaster it is reported on, and its diagnostic.</summary>
/// <param name="Index">Index into the checked list.</param>
/// <param name="Descriptor">PGEN041, PGEN042 or PGEN043.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record UpcasterProblem(int Index, DiagnosticDescriptor Descriptor, object[] Arguments);

/// <summary>
/// The checks that need every upcaster of the compilation at once: two upcasters of one source (PGEN041), cycles
/// (PGEN042), and raw-JSON upcasters keyed by the stored name of an event type in code (PGEN043: an upcaster that never
/// runs, or a type whose events would never be read as that type). Shared by the generator (which generates no
/// registration when any is found) and the analyzer (which reports them).
/// </summary>
internal static class UpcasterGraph
{
    /// <summary>The problems of <paramref name="upcasters"/> (in a stable order: declaring class, then declaration).</summary>
    /// <param name="upcasters">Every usable upcaster of the compilation.</param>
    /// <param name="otherEventTypes">Further event types in code (handled by projections): display name and stored name.</param>
    public static List<UpcasterProblem> Check(IReadOnlyList<UpcasterModel> upcasters, IEnumerable<(string Display, string StoredName)>? otherEventTypes = null)
    {
        var problems = new List<UpcasterProblem>();

        // PGEN041: the first upcaster of a source keeps it.
        var firstOfSource = new Dictionary<string, int>(System.StringComparer.Ordinal);
        for (var i = 0; i < upcasters.Count; i++)
        {
            var upcaster = upcasters[i];
            if (firstOfSource.TryGetValue(upcaster.SourceKey, out var first))
            {
                var what = upcaster.FromJson ? $"the raw JSON stored as '{upcaster.SourceName}'" : $"event type '{upcaster.SourceDisplay}'";
                problems.Add(new UpcasterProblem(i, DiagnosticDescriptors.DuplicateUpcaster, [upcaster.Display, what, upcasters[first].Display]));
            }
            else
            {
                firstOfSource.Add(upcaster.SourceKey, i);
            }
        }

        // PGEN042: follow each CLR upcaster's target through the others; coming back to its source is a cycle.
        var byType = firstOfSource.Where(p => upcasters[p.Value].SourceType is not null).ToDictionary(p => p.Key, p => upcasters[p.Value], System.StringComparer.Ordinal);
        for (var i = 0; i < upcasters.Count; i++)
        {
            var upcaster = upcasters[i];
            if (upcaster.SourceType is not { } source || firstOfSource[upcaster.SourceKey] != i)
            {
                continue;
            }

            var path = new List<string> { upcaster.SourceDisplay!, upcaster.TargetDisplay };
            var next = upcaster.TargetType;
            for (var hops = 0; hops <= byType.Count && next != source && byType.TryGetValue(next, out var following); hops++)
            {
                path.Add(following.TargetDisplay);
                next = following.TargetType;
            }

            if (next == source)
            {
                problems.Add(new UpcasterProblem(i, DiagnosticDescriptors.UpcasterCycle, [upcaster.Display, string.Join(" -> ", path)]));
            }
        }

        // PGEN043: the stored names of every event type in code, and who reads each as an old CLR type.
        var typeNames = new Dictionary<string, string>(System.StringComparer.Ordinal);
        var upcastFrom = new Dictionary<string, UpcasterModel>(System.StringComparer.Ordinal);
        foreach (var upcaster in upcasters)
        {
            if (upcaster.SourceType is not null)
            {
                Add(typeNames, upcaster.SourceName, upcaster.SourceDisplay!);
                if (!upcastFrom.ContainsKey(upcaster.SourceName))
                {
                    upcastFrom.Add(upcaster.SourceName, upcaster);
                }
            }

            Add(typeNames, upcaster.TargetName, upcaster.TargetDisplay);
        }

        foreach (var (display, storedName) in otherEventTypes ?? [])
        {
            Add(typeNames, storedName, display);
        }

        for (var i = 0; i < upcasters.Count; i++)
        {
            var upcaster = upcasters[i];
            if (upcaster.FromJson && typeNames.TryGetValue(upcaster.SourceName, out var typeDisplay))
            {
                var consequence = upcastFrom.TryGetValue(upcaster.SourceName, out var shadowed)
                    ? $"'{shadowed.Display}' is unreachable (its events are read as raw JSON by this upcaster)"
                    : $"events appended as '{typeDisplay}' would be read by this upcaster instead of as '{typeDisplay}'";
                problems.Add(new UpcasterProblem(i, DiagnosticDescriptors.UnreachableUpcaster, [upcaster.Display, upcaster.SourceName, typeDisplay, consequence]));
            }
        }

        return problems;
    }

    /// <summary>
    /// The stored names that <paramref name="upcasters"/> (checked: no duplicates, no cycles) convert, directly or through
    /// a chain, into one of <paramref name="eventTypes"/> (fully qualified), sorted ordinally: what a projection handling
    /// those types reads only when the upcasters are registered.
    /// </summary>
    public static List<string> NamesReadAs(IReadOnlyList<UpcasterModel> upcasters, IEnumerable<string> eventTypes)
    {
        var handled = new HashSet<string>(eventTypes, System.StringComparer.Ordinal);
        var byType = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var upcaster in upcasters)
        {
            if (upcaster.SourceType is { } source && !byType.ContainsKey(source))
            {
                byType.Add(source, upcaster.TargetType);
            }
        }

        var names = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (var upcaster in upcasters)
        {
            // Bounded by the number of CLR upcasters, so a cycle (reported as PGEN042) cannot loop.
            var final = upcaster.TargetType;
            for (var hops = 0; hops < byType.Count && byType.TryGetValue(final, out var next); hops++)
            {
                final = next;
            }

            if (handled.Contains(final))
            {
                names.Add(upcaster.SourceName);
            }
        }

        return names.ToList();
    }

    /// <summary>The upcasters in the order both consumers use: declaring class (ordinal), then declaration order.</summary>
    public static List<T> Ordered<T>(IEnumerable<T> items, System.Func<T, UpcasterModel> model) =>
        items.Select((item, index) => (item, index))
            .OrderBy(x => model(x.item).ContainingType, System.StringComparer.Ordinal)
            .ThenBy(x => x.index)
            .Select(x => x.item)
            .ToList();

    private static void Add(Dictionary<string, string> names, string storedName, string display)
    {
        if (!names.ContainsKey(storedName))
        {
            names.Add(storedName, display);
        }
    }
}
