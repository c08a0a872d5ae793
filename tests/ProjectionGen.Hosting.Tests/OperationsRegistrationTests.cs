using Microsoft.Extensions.DependencyInjection;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary><c>AddProjectionGen</c> registers the operations a command line resolves, without connecting (docs/operations.md, "Without hosting").</summary>
public sealed class OperationsRegistrationTests
{
    [Fact]
    public async Task The_catch_up_watcher_and_the_event_importer_are_registered_singletons()
    {
        await using var host = HostedNode.Create("Host=localhost;Database=unused", "registration");

        Assert.Same(host.Host.Services.GetRequiredService<ProjectionCatchUpWatcher>(), host.Host.Services.GetRequiredService<ProjectionCatchUpWatcher>());
        Assert.Same(host.Host.Services.GetRequiredService<ProjectionEventImporter>(), host.Host.Services.GetRequiredService<ProjectionEventImporter>());
    }
}
