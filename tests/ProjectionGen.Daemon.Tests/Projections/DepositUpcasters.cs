using System.Text.Json;

namespace ProjectionGen.Tests.Projections;

/// <summary>An old shape of <see cref="Deposited"/> (whole cents), still stored under <c>deposited_v1</c>.</summary>
public sealed record DepositedV1(string Account, int Cents);

/// <summary>
/// Deposits stored by older versions: <c>deposited_v1</c> (an old CLR type) and <c>legacy_deposit</c> (raw JSON of a type
/// that no longer exists: <c>{"acct": "...", "cents": N}</c>), both read as <see cref="Deposited"/>.
/// </summary>
[EventUpcasters]
public static class DepositUpcasters
{
    public static Deposited Upcast(DepositedV1 old) => new(old.Account, old.Cents / 100);

    [UpcastFrom("legacy_deposit")]
    public static DepositedV1 FromLegacy(JsonElement json) => new(json.GetProperty("acct").GetString()!, json.GetProperty("cents").GetInt32());
}
