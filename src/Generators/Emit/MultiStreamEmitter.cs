using System.Linq;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Emit;

/// <summary>
/// The batch body of a multi-stream aggregate: route every event to its document ids, load every touched document in
/// one query, then apply each document's events in sequence order.
/// </summary>
internal static class MultiStreamEmitter
{
    private const string Runtime = ProjectionEmitter.Runtime;

    /// <summary>Writes the body of <c>RunBatchAsync</c> up to (not including) the commit.</summary>
    public static void WriteBody(SourceWriter writer, ProjectionModel model)
    {
        writer.Line($"var routes = new {Runtime}.DocumentRoutes();");
        writer.Open("foreach (var envelope in batch.Events)");
        ProjectionEmitter.WriteSwitch(writer, model, model.Routes.Select(r => (r.EventType, r)), route =>
        {
            writer.Line($"routes.Add(envelope, {ProjectionEmitter.Call(route.Call)});");
            writer.Line("break;");
        });
        writer.Close();
        writer.Line();
        writer.Line("// Every document the batch touches, loaded in one query; each document gets its events in sequence order.");
        writer.Line($"var documents = batch.Documents<{model.DocumentType}>();");
        writer.Line("await documents.LoadAsync(routes.DocumentIds, cancellationToken).ConfigureAwait(false);");
        writer.Open("foreach (var route in routes.InDocumentOrder())");
        writer.Line("var envelope = route.Envelope;");
        writer.Line("var doc = documents.Find(route.DocumentId);");
        var target = AggregateTarget.Documents("route.DocumentId");
        ProjectionEmitter.WriteDispatch(writer, model, eventCase => ProjectionEmitter.WriteAggregateCase(writer, model, eventCase, target));
        writer.Close();
    }
}
