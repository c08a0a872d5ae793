using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ProjectionGen.Generators.Tests.Repository;

/// <summary>
/// Which namespace of a source tree uses which other: the sources are compiled (with the runtime's own references) and
/// every name in every file is bound, so a use counts wherever it stands (code, attributes, <c>cref</c>s excluded) and
/// never because a word merely looks like a type name. An edge A → B means a file of namespace A names a type declared
/// in namespace B of the same sources.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> edges = new(StringComparer.Ordinal);

    private NamespaceGraph()
    {
    }

    /// <summary>Every namespace that declares or uses a type of the sources.</summary>
    public IReadOnlyCollection<string> Namespaces => [.. edges.Keys.Concat(edges.Values.SelectMany(e => e.Keys)).Distinct(StringComparer.Ordinal)];

    /// <summary>Builds the graph of the C# files under <paramref name="folder"/> (bin and obj left out).</summary>
    public static NamespaceGraph Of(string folder)
    {
        var trees = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Preview), path))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "NamespaceGraph",
            trees,
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var graph = new NamespaceGraph();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            var root = tree.GetRoot();
            var from = root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();
            if (from is null)
            {
                continue;
            }

            foreach (var name in root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
                while (type?.ContainingType is { } outer)
                {
                    type = outer;
                }

                if (type is null || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly))
                {
                    continue;
                }

                var to = type.ContainingNamespace.ToDisplayString();
                if (to != from)
                {
                    graph.Add(from, to, $"{type.Name} in {Path.GetFileName(tree.FilePath)}");
                }
            }
        }

        return graph;
    }

    /// <summary>The cycles: each strongly connected group of more than one namespace.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var target in Targets(node))
            {
                if (!index.TryGetValue(target, out var targetIndex))
                {
                    Visit(target);
                    low[node] = Math.Min(low[node], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[node] = Math.Min(low[node], targetIndex);
                }
            }

            if (low[node] == index[node])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    group.Add(member);
                }
                while (member != node);

                if (group.Count > 1)
                {
                    group.Sort(StringComparer.Ordinal);
                    groups.Add(group);
                }
            }
        }

        foreach (var node in Namespaces.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return groups;
    }

    /// <summary>The edges between members of <paramref name="members"/>, each with a few of the uses behind it.</summary>
    public IEnumerable<string> Describe(IReadOnlyList<string> members) =>
        from source in members
        where edges.ContainsKey(source)
        from edge in edges[source]
        where members.Contains(edge.Key)
        select $"{source} -> {edge.Key}: {string.Join(", ", edge.Value.Take(6))}{(edge.Value.Count > 6 ? $" (+{edge.Value.Count - 6})" : "")}";

    /// <summary>Adds an edge; used by the graph's own test to show that a cycle is found.</summary>
    public static NamespaceGraph FromEdges(params (string From, string To)[] pairs)
    {
        var graph = new NamespaceGraph();
        foreach (var (from, to) in pairs)
        {
            graph.Add(from, to, "test");
        }

        return graph;
    }

    private IEnumerable<string> Targets(string node) =>
        edges.TryGetValue(node, out var targets) ? targets.Keys.Order(StringComparer.Ordinal) : [];

    private void Add(string from, string to, string use)
    {
        if (!edges.TryGetValue(from, out var targets))
        {
            edges[from] = targets = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        if (!targets.TryGetValue(to, out var uses))
        {
            targets[to] = uses = new SortedSet<string>(StringComparer.Ordinal);
        }

        uses.Add(use);
    }

    // The framework's reference assemblies, and every library beside the test (Npgsql, Microsoft.Extensions.*) that the
    // runtime compiles against; the runtime's own assembly is left out, since its sources are what is compiled.
    private static IEnumerable<MetadataReference> References()
    {
        var own = typeof(EventStore.PostgresEventStore).Assembly.Location;
        var beside = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")
            .Where(path => !string.Equals(path, own, StringComparison.Ordinal) && IsManaged(path))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        return Basic.Reference.Assemblies.Net100.References.All.Concat(beside);
    }

    private static bool IsManaged(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
