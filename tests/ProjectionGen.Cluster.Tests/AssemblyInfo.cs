using Xunit;

// Every test runs three node processes against one server and measures reaction times: one at a time, so that they
// do not compete with each other for the machine's cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
