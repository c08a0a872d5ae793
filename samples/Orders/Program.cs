using ProjectionGen.Generated;

// Lists what the source generator produced for this assembly; the demo issue turns this into the cluster demo.
foreach (var descriptor in GeneratedProjections.Descriptors)
{
    var events = string.Join(", ", descriptor.EventTypes.Select(t => t.Name));
    var document = descriptor.DocumentType is null ? "" : $", document {descriptor.DocumentType.Name}";
    Console.WriteLine($"{descriptor.Name}: {descriptor.Kind}{document}; events: {events}");
}
