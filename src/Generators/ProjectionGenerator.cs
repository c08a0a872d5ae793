using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProjectionGen.Generators.Analysis;
using ProjectionGen.Generators.Emit;
using ProjectionGen.Generators.Json;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators;

/// <summary>
/// Implements <c>IGeneratedProjection</c> for every <c>[Projection]</c> class (one file each) and writes the
/// <c>ProjectionGen.Generated.GeneratedProjections</c> registration, and lists every <c>[EventUpcasters]</c> method in
/// <c>ProjectionGen.Generated.GeneratedUpcasters</c>, and implements <c>IProjectionRow&lt;TRow&gt;</c> for every
/// <c>[ProjectionRow]</c> type. Shapes it cannot serve are skipped silently:
/// the analyzers report them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ProjectionGenerator : IIncrementalGenerator
{
    /// <summary>The attribute that marks projections.</summary>
    public const string AttributeMetadataName = "ProjectionGen.ProjectionAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var projections = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (syntax, cancellationToken) =>
                    ProjectionInspector.Inspect((INamedTypeSymbol)syntax.TargetSymbol, syntax.Attributes[0], cancellationToken).Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Projection);

        // Each projection's descriptor names the stored names the compilation's upcasters convert into its handled types
        // (docs/generator.md, "Upcasting"); the inspector's model stays per class, the names join it in a separate step.
        var upcasters = InitializeUpcasters(context);
        var sources = projections
            .Combine(upcasters)
            .Select(static (pair, _) => new ProjectionSource(pair.Left, new EquatableArray<string>(UpcasterGraph.NamesReadAs(pair.Right.AsImmutableArray(), pair.Left.EventTypes))))
            .WithTrackingName(TrackingNames.ProjectionSource);

        context.RegisterSourceOutput(sources, static (output, source) =>
            output.AddSource(source.Model.HintName, ProjectionEmitter.Emit(source.Model, source.UpcastFromNames)));

        var registration = projections
            .Select(static (model, _) => model.FullyQualifiedName)
            .WithTrackingName(TrackingNames.RegisteredName)
            .Collect()
            .Select(static (names, _) => new EquatableArray<string>(names.OrderBy(n => n, StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.Registration);

        context.RegisterSourceOutput(registration, static (output, names) =>
        {
            if (names.Count > 0)
            {
                output.AddSource(RegistrationEmitter.HintName, RegistrationEmitter.Emit(names));
            }
        });

        InitializeJsonContracts(context);
        InitializeRows(context);
    }

    /// <summary>
    /// <c>ProjectionGen.Generated.GeneratedJsonContracts</c>: System.Text.Json contracts for every projection's event and
    /// document types, with the partials that hand them to the runtime, in one file (docs/generator.md, JSON contracts).
    /// </summary>
    private static void InitializeJsonContracts(IncrementalGeneratorInitializationContext context)
    {
        var sets = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (syntax, cancellationToken) =>
                {
                    var type = (INamedTypeSymbol)syntax.TargetSymbol;
                    var model = ProjectionInspector.Inspect(type, syntax.Attributes[0], cancellationToken).Model;
                    return JsonContractReader.Read(type, model, cancellationToken);
                })
            .Where(static set => set is not null)
            .Select(static (set, _) => set!)
            .WithTrackingName(TrackingNames.JsonContracts);

        var upcasterSources = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                UpcasterInspector.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (syntax, cancellationToken) => JsonContractReader.ReadUpcasterSources((INamedTypeSymbol)syntax.TargetSymbol, cancellationToken))
            .WithTrackingName(TrackingNames.UpcasterJsonContracts);

        var merged = sets
            .Collect()
            .Combine(upcasterSources.Collect())
            .Select(static (all, _) => JsonContractEmitter.Merge(all.Left, all.Right))
            .WithTrackingName(TrackingNames.JsonContractRegistration);

        context.RegisterSourceOutput(merged, static (output, registry) =>
        {
            if (registry.Projections.Count > 0)
            {
                output.AddSource(JsonContractEmitter.HintName, JsonContractEmitter.Emit(registry));
            }
        });
    }

    /// <summary>Implements <c>IProjectionRow&lt;TRow&gt;</c> for every <c>[ProjectionRow]</c> type the inspector finds usable.</summary>
    private static void InitializeRows(IncrementalGeneratorInitializationContext context)
    {
        var rows = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                RowInspector.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax,
                transform: static (syntax, cancellationToken) =>
                    RowInspector.Inspect((INamedTypeSymbol)syntax.TargetSymbol, syntax.Attributes[0], cancellationToken).Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Row);

        context.RegisterSourceOutput(rows, static (output, model) => output.AddSource(model.HintName, RowEmitter.Emit(model)));
    }

    /// <summary>
    /// <c>ProjectionGen.Generated.GeneratedUpcasters</c> from every <c>[EventUpcasters]</c> class; nothing when any class
    /// or the compilation-wide graph has a problem (the analyzer reports it).
    /// </summary>
    /// <returns>Every upcaster of the compilation, checked and ordered; empty when there is a problem.</returns>
    private static IncrementalValueProvider<EquatableArray<UpcasterModel>> InitializeUpcasters(IncrementalGeneratorInitializationContext context)
    {
        var classes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                UpcasterInspector.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (syntax, cancellationToken) =>
                {
                    var inspection = UpcasterInspector.Inspect((INamedTypeSymbol)syntax.TargetSymbol, cancellationToken);
                    return new UpcasterClassModel(new EquatableArray<UpcasterModel>(inspection.Upcasters.Select(u => u.Model)), !inspection.Problems.IsEmpty);
                })
            .WithTrackingName(TrackingNames.Upcasters);

        var all = classes
            .Collect()
            .Select(static (models, _) =>
            {
                if (models.Any(m => m.HasProblems))
                {
                    return new EquatableArray<UpcasterModel>(Array.Empty<UpcasterModel>());
                }

                var ordered = UpcasterGraph.Ordered(models.SelectMany(m => m.Upcasters), u => u);
                return UpcasterGraph.Check(ordered).Count == 0
                    ? new EquatableArray<UpcasterModel>(ordered)
                    : new EquatableArray<UpcasterModel>(Array.Empty<UpcasterModel>());
            })
            .WithTrackingName(TrackingNames.UpcasterRegistration);

        context.RegisterSourceOutput(all, static (output, upcasters) =>
        {
            if (upcasters.Count > 0)
            {
                output.AddSource(UpcasterEmitter.HintName, UpcasterEmitter.Emit(upcasters));
            }
        });

        return all;
    }
}
