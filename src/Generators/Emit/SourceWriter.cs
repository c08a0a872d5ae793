using System.Collections.Generic;
using System.Text;

namespace ProjectionGen.Generators.Emit;

/// <summary>Writes indented C# text; generated code is written as text, not built as syntax trees.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line without trailing spaces).</summary>
    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
        }

        _builder.Append(text).Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any) and <c>{</c>, then indents.</summary>
    public SourceWriter Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return this;
    }

    /// <summary>
    /// Opens <paramref name="namespace"/> (when not empty) and then each of <paramref name="containingTypes"/>, outermost
    /// first: the blocks a partial declaration of a (nested) user type sits in.
    /// </summary>
    /// <returns>How many blocks were opened, for <see cref="CloseBlocks"/>.</returns>
    public int OpenEnclosing(string @namespace, IEnumerable<string> containingTypes)
    {
        var opened = 0;
        if (@namespace.Length > 0)
        {
            Open($"namespace {@namespace}");
            opened++;
        }

        foreach (var container in containingTypes)
        {
            Open(container);
            opened++;
        }

        return opened;
    }

    /// <summary>Closes <paramref name="count"/> blocks, such as those <see cref="OpenEnclosing"/> opened.</summary>
    public SourceWriter CloseBlocks(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Close();
        }

        return this;
    }

    /// <summary>Unindents and writes <c>}</c> (with an optional suffix such as <c>;</c>).</summary>
    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>Indents for a statement under a <c>case</c> label.</summary>
    public SourceWriter Indent()
    {
        _indent++;
        return this;
    }

    /// <summary>Undoes <see cref="Indent"/>.</summary>
    public SourceWriter Outdent()
    {
        _indent--;
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _builder.ToString();
}
