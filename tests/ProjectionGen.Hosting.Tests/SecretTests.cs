using Microsoft.Extensions.Options;
using Npgsql;
using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The connection string's password appears in no log line and no exception message, across a lock loss and start-up failures.</summary>
public sealed class SecretTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_log_line_or_exception_message_contains_the_password()
    {
        await using var database = await postgres.CreateDatabaseAsync("secrets");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var role = "sec_" + Guid.NewGuid().ToString("N")[..10];
        var password = "Pw" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var command = new NpgsqlCommand($"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'", admin);
            await command.ExecuteNonQueryAsync(Ct);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, Password = password }.ConnectionString;
        var texts = new List<string>();

        // A running node that loses its lock and takes it back.
        var node = "sec-" + Guid.NewGuid().ToString("N")[..6];
        await using (var host = HostedNode.Create(connectionString, node))
        {
            await host.StartAsync();
            await bed.AppendAsync(30, seed: 6);
            var before = await ReadModels.WaitForCatchUpAsync(host.Status);
            Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(node), Ct));
            await ReadModels.WaitForCatchUpAsync(host.Status, before.ToDictionary(s => s.Projection, s => s.Epoch + 1));
            await host.Host.StopAsync(Ct);
            Assert.Contains(host.Logs.Lines, l => l.EventId == 1002);
            texts.AddRange(host.Logs.AllText());
        }

        // A bad option next to the password.
        await using (var host = HostedNode.Create(connectionString, node, options => options.Daemon.DefaultBatchSize = -1))
        {
            var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            texts.Add(failure.ToString());
            texts.AddRange(host.Logs.AllText());
        }

        // A server that cannot be reached, with the password in the connection string.
        var unreachable = new NpgsqlConnectionStringBuilder(connectionString) { Port = 1, Timeout = 2 }.ConnectionString;
        await using (var host = HostedNode.Create(unreachable, node))
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
            texts.Add(failure.ToString());
            texts.AddRange(host.Logs.AllText());
        }

        Assert.True(texts.Count > 20, "too little was captured to prove anything");
        Assert.Contains(texts, t => t.Contains(role, StringComparison.Ordinal) || t.Contains(node, StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains(password, StringComparison.Ordinal));
    }
}
