using System.Globalization;
using System.Text;
using System.Text.Json;
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
                    ProjectionStatusFormatter.OwnerCell(s),
                    Invariant(s.Epoch),
                    Invariant(s.Position),
                    Invariant(s.HighWaterMark),
                    Invariant(s.LagEvents),
                    ProjectionStatusFormatter.LagAgeCell(s),
                    Invariant(s.DeadLetterCount),
                    s.State);
            }
        }

        var failed = results.Count(r => r.Error is not null);
        return table.Render() + (failed == 0 ? "" : Environment.NewLine + string.Create(CultureInfo.InvariantCulture, $"{failed} of {results.Count} tenant databases could not be read."));
    }

    /// <summary><c>{"tenants": [{"tenant", "ok", "error", "slots"}], "projections": [{"tenant", ...a slot as status --json writes it}]}</c>.</summary>
    private static string ToJson(IReadOnlyList<TenantResult> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("tenants");
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("tenant", result.Tenant);
                json.WriteBoolean("ok", result.Error is null);
                json.WriteString("error", result.Error);
                json.WriteNumber("slots", result.Slots.Count);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("projections");
            foreach (var result in results)
            {
                foreach (var slot in result.Slots)
                {
                    ProjectionStatusFormatter.WriteSlot(json, slot, result.Tenant);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record TenantResult(string Tenant, IReadOnlyList<ProjectionStatus> Slots, string? Error);
}
