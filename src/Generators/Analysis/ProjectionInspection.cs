using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// The outcome of inspecting one <c>[Projection]</c> class: the model to generate from when the shape can be served,
/// and every problem found. The generator uses only <see cref="Model"/>; the analyzers report <see cref="Problems"/>.
/// </summary>
internal sealed class ProjectionInspection
{
    /// <summary>Creates the outcome.</summary>
    public ProjectionInspection(ProjectionModel? model, ImmutableArray<Diagnostic> problems)
    {
        Model = model;
        Problems = problems;
    }

    /// <summary>The model, or null when any problem prevents generation.</summary>
    public ProjectionModel? Model { get; }

    /// <summary>The problems, as diagnostics ready to report.</summary>
    public ImmutableArray<Diagnostic> Problems { get; }
}
