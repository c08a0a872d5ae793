using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The hosting builder's <c>AddUpcasters</c> reaches the store's registry, so hosted projections read old shapes.</summary>
public sealed class UpcasterRegistrationTests
{
    [Fact]
    public async Task Upcasters_added_to_the_builder_are_in_the_stores_registry()
    {
        await using var node = HostedNode.Create("Host=localhost;Database=unused", "upcast-node");

        var types = node.Store.Types;
        Assert.Equal(["deposited", "deposited_v1", "legacy_deposit"], types.GetStoredNamesReadAs(typeof(Deposited)));
        Assert.Equal(new Deposited("acct-1", 3), types.Upcast(new DepositedV1("acct-1", 300)));
    }
}
