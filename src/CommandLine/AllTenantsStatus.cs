using System.Globalization;
using System.Text.Json.Nodes;
using ProjectionGen.Operations;
using ProjectionGen.Tenancy;

namespace ProjectionGen.CommandLine;

/// <summary>
/// <c>status --all-tenants</c>: every tenant database's slots, read with bounded parallelism, in one table with a tenant
/// column (or JSON with a <c>tenant</c> field per slot). A tenant database that cannot be read is an error row with a
/// safe error text (never its connection string); the others are still shown and the exit code is
/// <see cref="ProjectionGenExitCodes.SomeFailed"/> (docs/operations.md, "Command line").
/// </summary>
internal static class AllTenantsStatus
{
    /// <summary>How many tenant databases are read at once.</summary>
    internal const int Parallelism = 4;

    public static async Task<int> WriteAsync(CommandContext context)
    {
        var databases = await context.Target.ListTenantsAsync("--all-tenants", context.CancellationToken).ConfigureAwait(false);
        var results = new TenantResult[databases.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, databases.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = context.CancellationToken },
            async (index, cancellationToken) => results[index] = await ReadAsync(context.Target, databases[index], cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        var ordered = results.OrderBy(r => r.Tenant, StringComparer.Ordinal).ToList();

        await context.WriteRawAsync(context.Json ? ToJson(ordered) : ToTable(ordered)).ConfigureAwait(false);
        return ordered.Any(r => r.Error is not null) ? ProjectionGenExitCodes.SomeFailed : ProjectionGenExitCodes.Ok;
    }

    private static async Task<TenantResult> ReadAsync(ProjectionGenCommandTarget parent, TenantDatabase database, CancellationToken cancellationToken)
    {
        try
        {
            var target = parent.Open(database);
            await using (target.ConfigureAwait(false))
            {
                var slots = await target.StatusReader().ReadAsync(cancellationToken).ConfigureAwait(false);
                return new TenantResult(database.TenantId, slots, null);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The same safe text a failed command prints: never a connection string or a password.
            return new TenantResult(database.TenantId, [], CommandRunner.Describe(failure).Message);
        }
    }

    private static string ToTable(IReadOnlyList<TenantResult> results)
    {
        if (results.Count == 0)
        {
            return "No tenant databases.";
        }

        var table = new TextTable("TENANT", "PROJECTION", "OWNER", "EPOCH", "POSITION", "HIGH-WATER", "LAG", "LAG AGE", "DEAD LETTERS", "STATE");
        foreach (var result in results)
        {
            if (result.Error is not null)
            {
                table.Add(result.Tenant, "-", "-", "-", "-", "-", "-", "-", "-", "error: " + result.Error);
                continue;
            }

            if (result.Slots.Count == 0)
            {
                table.Add(result.Tenant, "-", "-", "-", "-", "-", "-", "-", "-", "no slots yet");
            }

            foreach (var s in result.Slots)
            {
                table.Add(
                    result.Tenant,
                    s.Projection,
                    s.Owner is null ? "-" : s.OwnerAlive ? s.Owner : s.Owner + " (no lock)",
                    Invariant(s.Epoch),
                    Invariant(s.Position),
                    Invariant(s.HighWaterMark),
                    Invariant(s.LagEvents),
                    s.Lag == TimeSpan.Zero ? "0s" : s.Lag.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
                    Invariant(s.DeadLetterCount),
                    s.State);
            }
        }

        var failed = results.Count(r => r.Error is not null);
        return table.Render() + (failed == 0 ? "" : Environment.NewLine + string.Create(CultureInfo.InvariantCulture, $"{failed} of {results.Count} tenant databases could not be read."));
    }

    /// <summary><c>{"tenants": [{"tenant", "ok", "error"}], "projections": [{"tenant", ...a slot as status --json writes it}]}</c>.</summary>
    private static string ToJson(IReadOnlyList<TenantResult> results)
    {
        var tenants = new JsonArray();
        var projections = new JsonArray();
        foreach (var result in results)
        {
            tenants.Add((JsonNode)new JsonObject { ["tenant"] = result.Tenant, ["ok"] = result.Error is null, ["error"] = result.Error, ["slots"] = result.Slots.Count });
            foreach (var slot in JsonNode.Parse(ProjectionStatusFormatter.ToJson(result.Slots))!.AsArray().ToList())
            {
                var copy = new JsonObject { ["tenant"] = result.Tenant };
                foreach (var (name, value) in slot!.AsObject())
                {
                    copy[name] = value?.DeepClone();
                }

                projections.Add((JsonNode)copy);
            }
        }

        return new JsonObject { ["tenants"] = tenants, ["projections"] = projections }.ToJsonString();
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record TenantResult(string Tenant, IReadOnlyList<ProjectionStatus> Slots, string? Error);
}
