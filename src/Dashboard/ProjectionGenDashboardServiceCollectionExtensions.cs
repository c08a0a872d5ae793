using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProjectionGen.Dashboard;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ProjectionGen dashboard's services.</summary>
public static class ProjectionGenDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers what <c>MapProjectionGenDashboard</c> needs: anti-forgery, the page's data readers and a background
    /// lag sampler for the charts. Needs ProjectionGen itself (<c>AddProjectionGen</c>). See <c>docs/dashboard.md</c>.
    /// </summary>
    public static IServiceCollection AddProjectionGenDashboard(this IServiceCollection services, Action<ProjectionGenDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ProjectionGenDashboardOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddAntiforgery();

        // The actions' typed results write with the application's JSON options: the dashboard's generated contracts
        // come last, for applications without reflection-based serialization.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(DashboardJsonContext.Default));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DashboardAssets>();
        services.TryAddSingleton<LagSeries>();
        services.TryAddSingleton<IDashboardNodeSource, RegistryNodeSource>();
        services.TryAddSingleton<IDashboardNodeDrain, ClusterNodeDrain>();
        services.TryAddSingleton<DashboardData>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LagSampler>());
        return services;
    }
}
