using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Emit;

/// <summary>
/// <c>ILiveAggregation&lt;TDocument&gt;.Fold</c> of a single-stream aggregate: the same cases as the daemon's batch,
/// kept in a local document instead of the batch's document set.
/// </summary>
internal static class LiveAggregationEmitter
{
    private const string Runtime = ProjectionEmitter.Runtime;

    /// <summary>Writes the explicit static implementation.</summary>
    public static void WriteFold(SourceWriter writer, ProjectionModel model)
    {
        writer.Line();
        writer.Line("/// <inheritdoc/>");
        writer.Open($"static {model.DocumentType}? {Runtime}.ILiveAggregation<{model.DocumentType}>.Fold({model.DocumentType}? doc, global::System.Collections.Generic.IReadOnlyList<{Runtime}.EventEnvelope> events)");
        if (model.NeedsInstance)
        {
            writer.Line($"var projection = new {model.FullyQualifiedName}();");
        }

        writer.Open("foreach (var envelope in events)");
        ProjectionEmitter.WriteDispatch(writer, model, eventCase => ProjectionEmitter.WriteAggregateCase(writer, model, eventCase, AggregateTarget.Local));
        writer.Close();
        writer.Line();
        writer.Line("return doc;");
        writer.Close();
    }
}
