using Microsoft.CodeAnalysis.Text;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>Test sources with expected diagnostic spans marked as <c>[|...|]</c>.</summary>
internal static class Markup
{
    /// <summary>The source without markers and the marked spans, in order.</summary>
    public static (string Source, IReadOnlyList<TextSpan> Spans) Parse(string markup)
    {
        var spans = new List<TextSpan>();
        var source = markup;
        while (source.IndexOf("[|", StringComparison.Ordinal) is var start and >= 0)
        {
            source = source.Remove(start, 2);
            var end = source.IndexOf("|]", start, StringComparison.Ordinal);
            Assert.True(end >= 0, "Unclosed [| marker.");
            source = source.Remove(end, 2);
            spans.Add(TextSpan.FromBounds(start, end));
        }

        return (source, spans);
    }
}
