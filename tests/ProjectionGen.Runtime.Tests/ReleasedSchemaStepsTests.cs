using System.Security.Cryptography;
using System.Text;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A released schema step is never edited: the statements of versions 1 to 10 for schema <c>projectiongen</c> are pinned
/// by their SHA-256, so that moving a step's text (into an embedded script, or to its table's owner) cannot change what
/// a database migrated step by step gets.
/// </summary>
public sealed class ReleasedSchemaStepsTests
{
    private static readonly string[] Pinned =
    [
        "b1246430c25f93dfc30a1787f636f67fa1fc1e6c7a2857146dbb495e2a549b5b",
        "3a091d55ae99fd5e3ff30a476c86dc8267dd2ac8c7f3fba5a6411a492faf6699",
        "316a03b2c9bc5b2d21b0d7b3812e1ec1fbbfc80cd9a5e344bfa4e707389f0211",
        "4ad2fd148d00676fb55f40befe9c376db5cfaa5871b7a87de4225b580170763b",
        "e84e5ec507bb7b4a2f59720563751b830b15f6de3419df5064f38b7f3704ca0e",
        "8ebd15df01ec9c2833b16bc8d7a442b45599921222b0dd8cb033f9e450dec12c",
        "9ea956e14fafa7fec27639f1a800c7599a8b375c77bbe5bac5bffccdd8633ee2",
        "52d7263df7850020e7b512e816f98094754afb68b90cd599a52e67dbef6c12e3",
        "17aa47e93fb5ab7a41de853499956557b35f028e1d3552b063cb6801e36e9200",
        "8969fe425192e8d2db91248348fa069aa49553ea6ccd1e1f8972e2b86cdc8e7a",
    ];

    [Fact]
    public void The_statements_of_released_steps_are_unchanged()
    {
        var schema = PostgresIdentifier.Parse("projectiongen", "schema");
        var context = new SchemaContext(schema, Locking.AdvisoryLockKey.ForAppendMarker(schema.Value).Value, PostgresIdentifier.Parse("projectiongen_events", "channel"));
        for (var version = 1; version <= Pinned.Length; version++)
        {
            var statements = EventStoreSchema.Migrations[version - 1].Statements(context);
            var text = string.Join("\n" + MigrationScript.Separator + "\n", statements);
            Assert.True(Pinned[version - 1] == Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), $"schema version {version} changed");
        }
    }

    [Fact]
    public void A_released_script_substitutes_only_the_validated_schema()
    {
        var schema = PostgresIdentifier.Parse("other_schema", "schema");
        var context = new SchemaContext(schema, 1, PostgresIdentifier.Parse("other_schema_events", "channel"));
        var statements = MigrationScript.Load("0008_projection_versions.sql", context);
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS \"other_schema\".\"projection_versions\"", statements[0], StringComparison.Ordinal);
        Assert.All(statements, s => Assert.DoesNotContain("{schema", s, StringComparison.Ordinal));
        Assert.Contains(statements, s => s.Contains("'other_schema'", StringComparison.Ordinal));
    }
}
