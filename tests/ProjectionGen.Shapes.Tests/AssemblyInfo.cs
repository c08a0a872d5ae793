using Xunit;

// The tests run several node processes on one server: one test at a time, so that they do not compete for the cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
