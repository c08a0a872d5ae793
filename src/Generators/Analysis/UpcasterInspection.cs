using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// The outcome of inspecting one <c>[EventUpcasters]</c> class: its usable upcasters (each with its method, for the
/// analyzer's compilation-wide checks) and its own problems. The generator uses only the models.
/// </summary>
internal sealed class UpcasterInspection
{
    /// <summary>Creates the outcome.</summary>
    public UpcasterInspection(IReadOnlyList<(UpcasterModel Model, IMethodSymbol Method)> upcasters, ImmutableArray<Diagnostic> problems)
    {
        Upcasters = upcasters;
        Problems = problems;
    }

    /// <summary>The usable upcasters in declaration order.</summary>
    public IReadOnlyList<(UpcasterModel Model, IMethodSymbol Method)> Upcasters { get; }

    /// <summary>The class's own problems (signatures, accessibility).</summary>
    public ImmutableArray<Diagnostic> Problems { get; }
}
