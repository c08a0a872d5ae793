using System.Text;

namespace ProjectionGen.CommandLine;

/// <summary>A plain text table with left-aligned columns; every cell is made inert for a terminal.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public void Add(params string[] cells) => rows.Add([.. cells.Select(c => TerminalText.Inert(c).ReplaceLineEndings(" "))]);

    public string Render()
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var builder = new StringBuilder();
        Line(builder, headers, widths);
        foreach (var row in rows)
        {
            Line(builder, row, widths);
        }

        return builder.ToString().TrimEnd();
    }

    private static void Line(StringBuilder builder, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            builder.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        builder.AppendLine();
    }
}
