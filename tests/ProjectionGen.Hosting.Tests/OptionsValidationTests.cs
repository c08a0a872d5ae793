using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProjectionGen.Hosting;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Options bound from configuration and validated when the host starts, with one clear message per bad value.</summary>
public sealed class OptionsValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bad_configuration_values_are_rejected_at_start_with_one_clear_message_each()
    {
        await using var host = HostedNode.Create(null, "validation", settings: new()
        {
            ["ProjectionGen:Daemon:HeartbeatInterval"] = "-00:00:01",
            ["ProjectionGen:Daemon:DefaultBatchSize"] = "0",
            ["ProjectionGen:Daemon:PollInterval"] = "soon",
            ["ProjectionGen:Daemon:HeartbeatIntervall"] = "00:00:01",
            ["ProjectionGen:EventStore:Schema"] = "Bad-Schema",
            ["ProjectionGen:EventStore:Tenancy"] = "Sideways",
            ["ProjectionGen:Health:LagEventsThreshold"] = "many",
            ["ProjectionGen:Health:UnownedThreshold"] = "00:00:00",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.Host.StartAsync(Ct));
        var messages = failure.Failures.ToList();
        Assert.Contains("ProjectionGen: Daemon.ConnectionString is required.", messages);
        Assert.Contains("ProjectionGen: Daemon.HeartbeatInterval must be positive (was -00:00:01).", messages);
        Assert.Contains("ProjectionGen: Daemon.DefaultBatchSize must be between 1 and 100000 (was 0).", messages);
        Assert.Contains(messages, m => m.Contains("ProjectionGen:Daemon:PollInterval: 'soon' is not a time span", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'HeartbeatIntervall' is not a ProjectionGen option", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("EventStore.Schema 'Bad-Schema' must be lowercase letters", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("ProjectionGen:Health:LagEventsThreshold: 'many' is not a whole number", StringComparison.Ordinal));
        Assert.Contains("ProjectionGen: Health.UnownedThreshold must be positive (was 00:00:00).", messages);
        Assert.Contains(messages, m => m.Contains("ProjectionGen:EventStore:Tenancy: 'Sideways' is not a tenancy style (None or Conjoined", StringComparison.Ordinal));
        Assert.Equal(9, messages.Count);
    }

    [Fact]
    public async Task Bad_values_set_in_code_are_rejected_and_a_bad_connection_string_is_named_without_being_quoted()
    {
        await using var host = HostedNode.Create("Host=localhost;Password=hunter2;Frobnicate=yes", "", options =>
        {
            options.Daemon.RetryDelay = TimeSpan.FromSeconds(5);
            options.Daemon.MaxRetryDelay = TimeSpan.FromSeconds(1);
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.Host.StartAsync(Ct));
        Assert.Contains("ProjectionGen: Daemon.NodeName must be 1 to 48 printable characters.", failure.Failures);
        Assert.Contains("ProjectionGen: Daemon.MaxRetryDelay must not be shorter than RetryDelay.", failure.Failures);
        Assert.Contains("ProjectionGen: Daemon.ConnectionString is not a valid Npgsql connection string.", failure.Failures);
        Assert.DoesNotContain("hunter2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_databases_are_bound_from_configuration_and_a_bad_entry_is_named_without_its_connection_string()
    {
        await using var good = HostedNode.Create("Host=localhost;Database=app", "tenants", settings: new()
        {
            ["ProjectionGen:TenantDatabases:acme"] = "Host=localhost;Database=acme;Password=acme-secret",
            ["ProjectionGen:TenantDatabases:Globex"] = "Host=localhost;Database=globex",
        });
        var options = good.Host.Services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
        Assert.Equal("Host=localhost;Database=acme;Password=acme-secret", options.TenantDatabases["acme"]);
        Assert.Equal("Host=localhost;Database=globex", options.TenantDatabases["Globex"]);
        var source = new ProjectionGen.Tenancy.StaticTenantSource(options.TenantDatabases);
        var databases = await source.ReadAsync(Ct);
        Assert.Equal(["Globex", "acme"], databases.Select(d => d.TenantId).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("acme-secret", databases.Single(d => d.TenantId == "acme").ToString(), StringComparison.Ordinal);

        await using var bad = HostedNode.Create(null, "tenants", settings: new()
        {
            ["ProjectionGen:TenantDatabases:" + new string('t', 65)] = "Host=localhost;Password=too-long-secret",
            ["ProjectionGen:TenantDatabases:empty"] = "",
        });
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.Host.StartAsync(Ct));
        Assert.Contains(failure.Failures, m => m.Contains("A tenant id has at most 64 characters", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, m => m.Contains("ProjectionGen:TenantDatabases:empty: the tenant database has no connection string.", StringComparison.Ordinal));
        Assert.DoesNotContain("too-long-secret", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_string_with_several_hosts_must_target_the_primary()
    {
        var options = new ProjectionGen.Daemon.ProjectionDaemonOptions { NodeName = "hosts", ConnectionString = "Host=db1,db2;Username=app;Password=hunter2" };
        var error = Assert.Single(options.Validate());
        Assert.Equal("ConnectionString names several hosts: set Target Session Attributes=primary (or read-write) so that every connection of the daemon reaches the primary.", error);

        options.LockConnectionString = "Host=db1,db2;Username=app;Target Session Attributes=prefer-standby";
        Assert.Equal(2, options.Validate().Count);

        options.ConnectionString = "Host=db1,db2;Username=app;Target Session Attributes=primary";
        options.LockConnectionString = "Host=db1,db2;Username=app;Target Session Attributes=read-write";
        Assert.Empty(options.Validate());
        options.ConnectionString = "Host=db1;Username=app";
        options.LockConnectionString = null;
        Assert.Empty(options.Validate());
    }

    [Fact]
    public async Task Good_configuration_binds_every_section()
    {
        await using var host = HostedNode.Create(null, "binding", settings: new()
        {
            ["ProjectionGen:ApplySchemaOnStartup"] = "false",
            ["ProjectionGen:Daemon:ConnectionString"] = "Host=localhost;Database=app",
            ["ProjectionGen:Daemon:HeartbeatInterval"] = "00:00:02",
            ["ProjectionGen:Daemon:DefaultBatchSize"] = "250",
            ["ProjectionGen:Daemon:CatchUpBatchSize"] = "4000",
            ["ProjectionGen:EventStore:Schema"] = "events_v2",
            ["ProjectionGen:EventStore:Tenancy"] = "conjoined",
            ["ProjectionGen:Health:LagEventsThreshold"] = "42",
            ["ProjectionGen:Health:LagThreshold"] = "00:02:00",
        });

        var options = host.Host.Services.GetRequiredService<IOptions<ProjectionGenOptions>>().Value;
        Assert.False(options.ApplySchemaOnStartup);
        Assert.Equal("Host=localhost;Database=app", options.Daemon.ConnectionString);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Daemon.HeartbeatInterval);
        Assert.Equal(250, options.Daemon.DefaultBatchSize);
        Assert.Equal(4000, options.Daemon.CatchUpBatchSize);
        Assert.Equal("events_v2", options.EventStore.Schema);
        Assert.Equal(ProjectionGen.EventStore.TenancyStyle.Conjoined, options.EventStore.Tenancy);
        Assert.Equal(42, options.Health.LagEventsThreshold);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Health.LagThreshold);
        Assert.Equal("binding", options.Daemon.NodeName);
        await Task.CompletedTask;
    }
}
