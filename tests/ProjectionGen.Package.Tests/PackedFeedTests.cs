using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The tests that share one pack of the packages (<see cref="PackedFeed"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class PackedFeedTests : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed packages";
}
