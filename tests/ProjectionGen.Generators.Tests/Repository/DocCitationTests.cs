using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests.Repository;

/// <summary>
/// Every docs section cited in a comment under src/, tests/ and samples/ exists: the cited docs/*.md file is there and
/// has a heading with the cited text (the accepted forms are described on <see cref="DocCitations"/>).
/// </summary>
public sealed class DocCitationTests
{
    private static readonly string Root = DocCitations.RepositoryRoot(TestPaths.ProjectDirectory);

    [Fact]
    public void Every_docs_section_cited_in_a_comment_exists()
    {
        var citations = DocCitations.InSources(Root, "src", "tests", "samples");

        // A pattern that silently matched nothing would pass on any tree: the sources cite dozens of sections.
        Assert.True(citations.Count >= 20, $"Only {citations.Count} citations found; the pattern no longer sees them.");
        var problems = citations.Select(c => DocCitations.Problem(Root, c)).OfType<string>().ToList();
        Assert.True(problems.Count == 0, "Comments cite docs sections that do not exist:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_accepted_forms_are_found_and_a_missing_section_or_file_is_reported()
    {
        // Written with '#' for the comment marker, so that the repository check does not read these lines as comments.
        var citations = DocCitations.InText("Example.cs", """
            # Reads ahead (docs/daemon.md, "Reading ahead").
            #/ <remarks>Safe (docs/daemon.md ("Why it is safe")).</remarks>
            # See docs/daemon.md "Lock keys" and docs/versions.md, "Event
            # projections" over two lines; docs/operations.md, "Appending" is no section.
            var text = "docs/daemon.md, \"Not a comment\"";
            # docs/nowhere.md, "Anything"
            """.Replace("#", "//", StringComparison.Ordinal)).ToList();

        Assert.Equal(
            [("daemon.md", "Reading ahead"), ("daemon.md", "Why it is safe"), ("daemon.md", "Lock keys"), ("versions.md", "Event projections"), ("operations.md", "Appending"), ("nowhere.md", "Anything")],
            citations.Select(c => (c.File, c.Section)));
        Assert.Equal(
            [null, null, null, null, "Example.cs:1: docs/operations.md has no heading \"Appending\"", "Example.cs:6: docs/nowhere.md does not exist (cited for \"Anything\")"],
            citations.Select(c => DocCitations.Problem(Root, c) is { } problem ? problem.Split(" (its headings", 2)[0] : null));
        Assert.True(DocCitations.Matches("Writes: typed rows", "Writes"));
        Assert.False(DocCitations.Matches("Writesomething", "Writes"));
    }
}
