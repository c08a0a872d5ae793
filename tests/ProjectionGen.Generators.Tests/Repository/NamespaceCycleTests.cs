using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests.Repository;

/// <summary>
/// The runtime's namespaces form no cycle, so the folder tree reads as layers (docs/daemon.md, "Moving parts"): a
/// namespace may use the ones below it and never one that uses it back.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly string Root = DocCitations.RepositoryRoot(TestPaths.ProjectDirectory);

    [Fact]
    public void The_runtime_namespaces_form_no_cycle()
    {
        var graph = NamespaceGraph.Of(Path.Combine(Root, "src", "Runtime"));

        // A graph that saw no edges would pass on any tree: the runtime's layers use each other in dozens of places.
        Assert.True(graph.Namespaces.Count >= 10, $"Only {graph.Namespaces.Count} namespaces seen; the graph no longer binds the sources.");
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Namespace cycles:\n" + string.Join("\n\n", cycles.Select(c => string.Join("\n", graph.Describe(c)))));
    }

    [Fact]
    public void A_cycle_is_found_and_a_chain_is_not()
    {
        var cycle = NamespaceGraph.FromEdges(("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"));
        var chain = NamespaceGraph.FromEdges(("A", "B"), ("B", "C"), ("A", "C"));

        Assert.Equal(["A", "B", "C"], Assert.Single(cycle.Cycles()));
        Assert.Empty(chain.Cycles());
    }
}
