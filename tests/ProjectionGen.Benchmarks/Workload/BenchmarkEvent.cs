namespace ProjectionGen.Benchmarks.Workload;

/// <summary>The appended event: a small body of a typical size (about 100 bytes of JSON).</summary>
internal sealed record BenchmarkEvent(Guid OrderId, string Sku, int Quantity, decimal Price);
