using Npgsql;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A rolling deploy with real processes of two builds of one application (docs/operations.md, "Rolling deploys that
/// change a projection's handlers"): the new build's <c>shape_ledger</c> adds a handler for withdrawals and a column to
/// its table (the application's own migration, run by the new build's first node while the old ones write). Old nodes and
/// an old appender are live while the new build starts and takes over; new writers append withdrawals throughout; old
/// nodes are stopped one by one. Every event of the new type is applied, exactly once.
/// </summary>
public sealed class RollingDeployTests(PostgresFixture postgres)
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_new_build_takes_over_and_applies_every_event_of_its_new_type_exactly_once()
    {
        await using var database = await postgres.CreateDatabaseAsync("shapes_rolling");
        var connection = database.ConnectionString;
        var stopFile = Path.Combine(Path.GetTempPath(), $"projectiongen-shapes-{Guid.NewGuid():N}.stop");
        await using var processes = new Processes();
        var oldA = processes.Add(AppProcess.Start("Old", "old-a", "node", connection, "old-a"));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.projection_shapes"), 1, "the old build's shape registered", oldA);
        var oldB = processes.Add(AppProcess.Start("Old", "old-b", "node", connection, "old-b"));
        var oldAppender = processes.Add(AppProcess.Start("Old", "old-appender", "append", connection, stopFile));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.progress WHERE name = 'shape_ledger' AND position > 0"), 1, "the old nodes projecting", oldA);

        // The new build's first node registers its shape; from then on new writers append withdrawals.
        var newA = processes.Add(AppProcess.Start("New", "new-a", "node", connection, "new-a"));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.projection_shapes"), 2, "the new build's shape registered", newA);
        var newAppender = processes.Add(AppProcess.Start("New", "new-appender", "append", connection, stopFile));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'"), 5, "the new writer's first withdrawals", newAppender, atLeast: true);
        await oldA.StopAsync(StopBound, Ct);
        var newB = processes.Add(AppProcess.Start("New", "new-b", "node", connection, "new-b"));
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await oldB.StopAsync(StopBound, Ct);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await File.WriteAllTextAsync(stopFile, "stop", Ct);
        Assert.Equal(0, await oldAppender.WaitForExitAsync(StopBound, Ct));
        Assert.Equal(0, await newAppender.WaitForExitAsync(StopBound, Ct));
        File.Delete(stopFile);

        // Exactly once, every withdrawal applied (the new build's nodes catch up).
        var withdrawals = await ScalarAsync(connection, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'");
        Assert.True(withdrawals > 0, "the new writers appended no withdrawal: the run would prove nothing");
        var problems = await EventuallyExactlyOnceAsync(connection, TimeSpan.FromSeconds(60));
        var diagnostics = processes.Describe();
        Assert.True(problems.Count == 0, $"{problems.Count} events not applied exactly once: {string.Join(", ", problems.Take(20))}\n{diagnostics}");

        // The new build's table migration ran while the old nodes wrote, and every withdrawal went through the new handler.
        Assert.Equal(withdrawals, await ScalarAsync(connection, "SELECT count(*) FROM shape_ledger WHERE kind = 'withdrawal' AND amount < 0"));

        // No old append refused (the schema stays compatible), no node in a reconnect loop (1014: lock connection unavailable).
        Assert.Contains(" refused 0", oldAppender.Output, StringComparison.Ordinal);
        Assert.Contains(" refused 0", newAppender.Output, StringComparison.Ordinal);
        foreach (var node in new[] { oldA, oldB, newA, newB })
        {
            Assert.True(node.LogLines(1014).Count <= 1, $"{node.Name} reconnected {node.LogLines(1014).Count} times\n{diagnostics}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{withdrawals} withdrawals; old nodes told of the newer shape: {oldA.LogLines(1045).Count + oldB.LogLines(1045).Count} times");
        TestContext.Current.TestOutputHelper?.WriteLine(diagnostics);
    }

    [Fact]
    public async Task A_new_build_handling_a_type_already_projected_past_refuses_the_projection_and_skips_nothing_silently()
    {
        await using var database = await postgres.CreateDatabaseAsync("shapes_refused");
        var connection = database.ConnectionString;
        var stopFile = Path.Combine(Path.GetTempPath(), $"projectiongen-shapes-{Guid.NewGuid():N}.stop");
        await using var processes = new Processes();
        var old = processes.Add(AppProcess.Start("Old", "old-a", "node", connection, "old-a"));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.projection_shapes"), 1, "the old build's shape registered", old);

        // New writers start before any node of the new build: the old node reads past their withdrawals.
        var newAppender = processes.Add(AppProcess.Start("New", "new-appender", "append", connection, stopFile));
        await WaitForAsync(() => ScalarAsync(connection, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'"), 5, "the new writer's first withdrawals", newAppender, atLeast: true);
        await File.WriteAllTextAsync(stopFile, "stop", Ct);
        Assert.Equal(0, await newAppender.WaitForExitAsync(StopBound, Ct));
        File.Delete(stopFile);
        var last = await ScalarAsync(connection, "SELECT max(seq) FROM projectiongen.events WHERE type = 'deposited'");
        await WaitForAsync(() => ScalarAsync(connection, "SELECT min(position) FROM projectiongen.progress WHERE name = 'shape_ledger'"), last, "the old node past the last deposit", old, atLeast: true);
        var withdrawals = await ScalarAsync(connection, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'");
        Assert.True(withdrawals > 0);

        var fresh = processes.Add(AppProcess.Start("New", "new-a", "node", connection, "new-a"));
        await WaitForAsync(() => Task.FromResult((long)fresh.LogLines(1046).Count), 1, "the new node's refusal", fresh);
        Assert.Contains($"{withdrawals} events of those types", fresh.LogLines(1046)[0], StringComparison.Ordinal);
        await old.StopAsync(StopBound, Ct);
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);

        // The new node does not take the projection: no withdrawal is applied, none half-applied.
        Assert.DoesNotContain(fresh.Output.Split('\n'), line => line.Contains("[1001]", StringComparison.Ordinal) && line.Contains("shape_ledger", StringComparison.Ordinal));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM shape_ledger WHERE amount < 0"));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM projectiongen.projection_shapes"));
    }

    private static async Task<List<string>> EventuallyExactlyOnceAsync(string connection, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var problems = await ExactlyOnceProblemsAsync(connection);
            if (problems.Count == 0 || DateTime.UtcNow > deadline || problems.Any(p => p.StartsWith("doubled", StringComparison.Ordinal)))
            {
                return problems;
            }

            await Task.Delay(500, Ct);
        }
    }

    private static async Task<List<string>> ExactlyOnceProblemsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT e.seq, e.type, count(l.seq) FROM projectiongen.events e LEFT JOIN shape_ledger l ON l.seq = e.seq
            GROUP BY e.seq, e.type HAVING count(l.seq) <> 1 ORDER BY e.seq
            """, connection);
        var problems = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            problems.Add($"{(reader.GetInt64(2) == 0 ? "missing" : "doubled")} {reader.GetString(1)} {reader.GetInt64(0)}");
        }

        return problems;
    }

    private static async Task WaitForAsync(Func<Task<long>> read, long expected, string what, AppProcess process, bool atLeast = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long seen = -1;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                seen = await read();
                if (atLeast ? seen >= expected : seen == expected)
                {
                    return;
                }
            }
            catch (PostgresException missing) when (missing.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // The first node has not applied the schema yet.
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"{what}: read {seen}, expected {expected} within 60 s\n{process.Name}:\n{process.Output}");
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(Ct);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every process a test started, killed when the test ends (also on failure).</summary>
    private sealed class Processes : IAsyncDisposable
    {
        private readonly List<AppProcess> started = [];

        public AppProcess Add(AppProcess process)
        {
            started.Add(process);
            return process;
        }

        public string Describe() => string.Join("\n", started.Select(p => $"--- {p.Name}:\n{string.Join("\n", p.Output.Split('\n').TakeLast(40))}"));

        public async ValueTask DisposeAsync()
        {
            foreach (var process in started)
            {
                await process.DisposeAsync();
            }
        }
    }
}
