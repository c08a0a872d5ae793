using ProjectionGen.Benchmarks;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException invalid)
{
    Console.Error.WriteLine(invalid.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

await BenchmarkSuite.RunAsync(options, Console.Out);
return 0;
