using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Reports every <c>[Projection]</c> class shape the generator cannot serve (PGEN001–PGEN007, PGEN010–PGEN014, PGEN017, PGEN018, PGEN030–PGEN035). It
/// runs the same inspection as the generator, which stays silent and incremental.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProjectionShapeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.UnsupportedNesting,
        DiagnosticDescriptors.Generic,
        DiagnosticDescriptors.StaticOrAbstract,
        DiagnosticDescriptors.UnusableSignature,
        DiagnosticDescriptors.DuplicateHandler,
        DiagnosticDescriptors.NoHandler,
        DiagnosticDescriptors.WrongReturnType,
        DiagnosticDescriptors.MismatchedDocumentType,
        DiagnosticDescriptors.MixedShapes,
        DiagnosticDescriptors.NoParameterlessConstructor,
        DiagnosticDescriptors.UnknownDocumentType,
        DiagnosticDescriptors.AsyncVoid,
        DiagnosticDescriptors.BaseEventType,
        DiagnosticDescriptors.UnusableRoute,
        DiagnosticDescriptors.WrongIdType,
        DiagnosticDescriptors.MixedIdTypes,
        DiagnosticDescriptors.UnroutedEvent,
        DiagnosticDescriptors.RouteWithoutHandler,
        DiagnosticDescriptors.ShardedMultiStream);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var derivedEventTypes = new DerivedEventTypes(start.Compilation);
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                foreach (var problem in ProjectionInspector.Inspect(type, attribute, symbol.CancellationToken).Problems)
                {
                    symbol.ReportDiagnostic(problem);
                }

                // Needs the whole compilation, so the analyzer alone checks it; the generator stays per class.
                foreach (var problem in derivedEventTypes.Check(type, symbol.CancellationToken))
                {
                    symbol.ReportDiagnostic(problem);
                }
            });
        });
    }
}
