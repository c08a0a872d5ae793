using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>Samples every projection's lag for the charts while nobody has the page open (one status read per interval).</summary>
internal sealed partial class LagSampler(
    ProjectionStatusReader reader,
    LagSeries series,
    IOptions<ProjectionGenDashboardOptions> options,
    TimeProvider time,
    ILogger<LagSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LagSampleInterval, time);
        do
        {
            try
            {
                series.Record(await reader.ReadAsync(stoppingToken).ConfigureAwait(false));
            }
            catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The database may be restarting: the chart gets a gap, the next tick tries again.
                var error = Hosting.SafeErrorText.Describe(failure);
                SampleFailed(logger, error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Dashboard lag sample failed ({Error}); the next one tries again")]
    private static partial void SampleFailed(ILogger logger, string error);
}
