using ProjectionGen.EventStore;
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
        var key = AdvisoryLockKey.For("append", "projectiongen");
        Assert.Equal(key, AdvisoryLockKey.For("append", "projectiongen"));
        Assert.NotEqual(key, AdvisoryLockKey.For("append", "other"));
        Assert.Equal(key, (AdvisoryLockKey.ClassId(key) << 32) | AdvisoryLockKey.ObjectId(key));
        Assert.InRange(AdvisoryLockKey.ClassId(key), 0, uint.MaxValue);
    }
}
