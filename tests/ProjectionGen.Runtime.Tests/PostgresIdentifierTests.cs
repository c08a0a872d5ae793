using ProjectionGen.EventStore;
using ProjectionGen.Locking;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class PostgresIdentifierTests
{
    [Theory]
    [InlineData("projectiongen")]
    [InlineData("_x")]
    [InlineData("select")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")]
    public void Valid_identifiers_are_quoted(string name)
    {
        var identifier = PostgresIdentifier.Parse(name, "Setting");
        Assert.Equal(name, identifier.Value);
        Assert.Equal("\"" + name + "\"", identifier.Quoted);
        Assert.Equal("\"" + name + "\".\"events\"", identifier.Qualify("events"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("A")]
    [InlineData("9a")]
    [InlineData("a b")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Invalid_identifiers_name_the_setting(string? name)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresIdentifier.Parse(name, "Options.ProjectionName"));
        Assert.Equal("Options.ProjectionName", error.ParamName);
        Assert.StartsWith("Options.ProjectionName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Advisory_lock_keys_are_stable_and_split_like_pg_locks()
    {
        var key = AdvisoryLockKey.ForAppendMarker("projectiongen");
        Assert.Equal(key, AdvisoryLockKey.ForAppendMarker("projectiongen"));
        Assert.NotEqual(key, AdvisoryLockKey.ForAppendMarker("other"));
        Assert.NotEqual(key, AdvisoryLockKey.ForSchemaMigration("projectiongen"));
        Assert.Equal(key.Value, (long)(((ulong)key.ClassId << 32) | key.ObjId));

        // Released values: the marker is compiled into installed append_events functions, so it must never change.
        Assert.Equal(6298491301995486645, key.Value);
        Assert.Equal(-8112767587096037134, AdvisoryLockKey.ForSchemaMigration("projectiongen").Value);
        Assert.Equal(967260024788954888, AdvisoryLockKey.ForProjection("projectiongen", "ledger").Value);
    }
}
