using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>The outcome of inspecting one <c>[ProjectionRow]</c> type: the model when it can be generated, and its problems.</summary>
internal sealed class RowInspection
{
    /// <summary>Creates the outcome.</summary>
    public RowInspection(RowModel? model, ImmutableArray<Diagnostic> problems)
    {
        Model = model;
        Problems = problems;
    }

    /// <summary>The model; null when there are problems.</summary>
    public RowModel? Model { get; }

    /// <summary>The problems, for the analyzer.</summary>
    public ImmutableArray<Diagnostic> Problems { get; }
}
