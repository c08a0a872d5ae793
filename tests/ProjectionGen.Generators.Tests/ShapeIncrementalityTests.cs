using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Emit;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>The new shapes keep the generator incremental: unchanged or unrelated edits reuse every cached step.</summary>
public sealed class ShapeIncrementalityTests
{
    private static readonly string[] TrackedSteps =
        [TrackingNames.Projection, TrackingNames.ProjectionSource, TrackingNames.RegisteredName, TrackingNames.Registration, TrackingNames.Upcasters, TrackingNames.UpcasterRegistration];

    [Fact]
    public void Unchanged_compilation_is_all_cached() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation => compilation));

    [Fact]
    public void Adding_an_unrelated_file_is_all_cached() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation => compilation.AddSyntaxTrees(
            TestCompilation.Parse("namespace Shop; public sealed class Unrelated { public int Value => 42; }", "Unrelated.cs"))));

    [Fact]
    public void Editing_an_upcaster_body_is_all_cached_or_unchanged() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation =>
            TestCompilation.Replace(compilation, "class TicketUpcasters", "new(old.Title, 3)", "new(old.Title.Trim(), 4)")));

    [Fact]
    public void Editing_a_route_body_is_all_cached_or_unchanged() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation =>
            TestCompilation.Replace(compilation, "class CustomerTotalsProjection", "Identity(CustomerOrdered e) => e.Customer;", "Identity(CustomerOrdered e) => e.Customer.ToUpperInvariant();")));

    [Fact]
    public void Adding_an_upcaster_regenerates_only_the_upcaster_registration()
    {
        var second = RunTwice(compilation =>
            TestCompilation.Replace(compilation, "class TicketUpcasters", "public static TicketFiled Upcast(TicketFiledV2 old)", "public static TicketFiled Upcast(ReadingV0 old) => new(\"\", old.Value, \"\");\n\n    public static TicketFiled Upcast(TicketFiledV2 old)")
                .AddSyntaxTrees(TestCompilation.Parse("namespace Shop.Events; public sealed record ReadingV0(int Value);", "ReadingV0.cs")));

        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.UpcasterRegistration));
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.Projection));
        Assert.Contains("FromType<global::Shop.Events.ReadingV0, global::Shop.Events.TicketFiled>", second.Source(UpcasterEmitter.HintName));

        // The new stored name joins the descriptor of the projection that handles its target, and only that one.
        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.ProjectionSource));
        Assert.Contains("UpcastFromNames = new string[] { \"reading_v0\", \"ticket_filed_2\", \"ticket_filed_v1\", \"ticket_opened\" }", second.Source("Shop.Projections.TicketBoardProjection.g.cs"));
        Assert.DoesNotContain("UpcastFromNames", second.Source("Shop.Projections.CustomerTotalsProjection.g.cs"));
    }

    [Fact]
    public void Changing_a_route_signature_regenerates_that_projection()
    {
        var second = RunTwice(compilation =>
            TestCompilation.Replace(compilation, "class CustomerTotalsProjection", "Identity(CustomerOrdered e) =>", "Identity(CustomerOrdered e, EventMetadata metadata) =>"));

        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.Projection));
        Assert.Contains("routes.Add(envelope, Identity(e, envelope.Metadata));", second.Source("Shop.Projections.CustomerTotalsProjection.g.cs"));
    }

    [Fact]
    public void A_cycle_of_upcasters_generates_no_upcaster_registration()
    {
        var run = GeneratorRun.Of([.. ShapeSources.All, """
            namespace Shop.Events;

            [ProjectionGen.EventUpcasters]
            public static class Backwards
            {
                public static TicketFiledV1 Upcast(TicketFiled current) => new(current.Title);
            }
            """]);
        Assert.DoesNotContain(run.Result.GeneratedSources, s => s.HintName == UpcasterEmitter.HintName);
        Assert.Contains(run.Result.GeneratedSources, s => s.HintName == "Shop.Projections.TicketBoardProjection.g.cs");
    }

    [Fact]
    public void A_multi_stream_projection_with_an_unrouted_event_generates_nothing()
    {
        var run = GeneratorRun.Of(ShapeSources.Events, """
            using ProjectionGen;
            using Shop.Events;

            namespace Shop.Projections;

            public sealed class Count { public int Value { get; set; } }

            [Projection]
            public sealed partial class HalfRouted
            {
                public static string Identity(CustomerOrdered e) => e.Customer;
                public static void Apply(CustomerOrdered e, Count c) => c.Value++;
                public static void Apply(CustomerForgotten e, Count c) => c.Value--;
            }
            """);
        Assert.DoesNotContain(run.Result.GeneratedSources, s => s.HintName == "Shop.Projections.HalfRouted.g.cs");
        Assert.Empty(run.GeneratorDiagnostics);
    }

    private static GeneratorRun RunTwice(Func<Compilation, Compilation> edit) => GeneratorRun.Twice(ShapeSources.All, edit);

    private static void AssertOnlyCachedOrUnchanged(GeneratorRun run) => run.AssertOnlyCachedOrUnchanged(TrackedSteps);
}
