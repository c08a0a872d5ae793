using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ProjectionGen.Hosting;

/// <summary>
/// Binds a configuration section onto <see cref="ProjectionGenOptions"/> without reflection (the library is
/// AOT-compatible). A value that cannot be read, or a key that names no option, becomes one clear validation message
/// (reported when the host starts) instead of an exception here; connection strings are never quoted in messages.
/// </summary>
internal static class ProjectionGenConfigurationBinder
{
    public static void Bind(IConfiguration section, ProjectionGenOptions options)
    {
        var path = section is IConfigurationSection named ? named.Path : ProjectionGenOptions.SectionName;
        var reader = new Reader(options.BindingErrors);
        foreach (var child in section.GetChildren())
        {
            var key = child.Key;
            switch (key.ToUpperInvariant())
            {
                case "APPLYSCHEMAONSTARTUP": reader.Bool(child, v => options.ApplySchemaOnStartup = v); break;
                case "SCHEMACONNECTIONSTRING": options.SchemaConnectionString = child.Value; break;
                case "DAEMON": BindDaemon(child, options, reader); break;
                case "EVENTSTORE": BindEventStore(child, options, reader); break;
                case "HEALTH": BindHealth(child, options, reader); break;
                case "TENANTDATABASES": BindTenantDatabases(child, options, reader); break;
                default: reader.Unknown(child, path); break;
            }
        }
    }

    private static void BindDaemon(IConfigurationSection section, ProjectionGenOptions options, Reader reader)
    {
        var daemon = options.Daemon;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "CONNECTIONSTRING": daemon.ConnectionString = child.Value; break;
                case "LOCKCONNECTIONSTRING": daemon.LockConnectionString = child.Value; break;
                case "NODENAME": daemon.NodeName = child.Value ?? ""; break;
                case "HEARTBEATINTERVAL": reader.TimeSpan(child, v => daemon.HeartbeatInterval = v); break;
                case "HEARTBEATTIMEOUT": reader.TimeSpan(child, v => daemon.HeartbeatTimeout = v); break;
                case "ACQUIREINTERVAL": reader.TimeSpan(child, v => daemon.AcquireInterval = v); break;
                case "POLLINTERVAL": reader.TimeSpan(child, v => daemon.PollInterval = v); break;
                case "RETRYDELAY": reader.TimeSpan(child, v => daemon.RetryDelay = v); break;
                case "MAXRETRYDELAY": reader.TimeSpan(child, v => daemon.MaxRetryDelay = v); break;
                case "DEFAULTBATCHSIZE": reader.Int64(child, v => daemon.DefaultBatchSize = (int)v, int.MaxValue); break;
                case "CATCHUPBATCHSIZE": reader.Int64(child, v => daemon.CatchUpBatchSize = (int)v, int.MaxValue); break;
                case "DEFAULTMAXRETRIES": reader.Int64(child, v => daemon.DefaultMaxRetries = (int)v, int.MaxValue); break;
                case "CAPACITY": reader.Int64(child, v => daemon.Capacity = (int)v, int.MaxValue); break;
                case "EVICTIONTIMEOUT": reader.TimeSpan(child, v => daemon.EvictionTimeout = v); break;
                case "PLACEMENTFALLBACK": reader.TimeSpan(child, v => daemon.PlacementFallback = v); break;
                case "TAGS":
                    foreach (var tag in child.GetChildren())
                    {
                        daemon.Tags.Add(tag.Value ?? "");
                    }

                    break;
                case "PINS":
                    // Pins:order_ledger:0 = node-a, Pins:order_ledger:1 = tag:fast (a list per projection).
                    foreach (var pin in child.GetChildren())
                    {
                        daemon.Pins[pin.Key] = [.. pin.GetChildren().Select(target => target.Value ?? "")];
                    }

                    break;
                default: reader.Unknown(child, section.Path); break;
            }
        }
    }

    private static void BindEventStore(IConfigurationSection section, ProjectionGenOptions options, Reader reader)
    {
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "SCHEMA": options.EventStore.Schema = child.Value ?? ""; break;
                case "MAXEVENTBYTES": reader.Int64(child, v => options.EventStore.MaxEventBytes = (int)v, int.MaxValue); break;
                case "TENANCY": reader.Tenancy(child, v => options.EventStore.Tenancy = v); break;
                default: reader.Unknown(child, section.Path); break;
            }
        }
    }

    private static void BindHealth(IConfigurationSection section, ProjectionGenOptions options, Reader reader)
    {
        var health = options.Health;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "UNOWNEDTHRESHOLD": reader.TimeSpan(child, v => health.UnownedThreshold = v); break;
                case "LAGTHRESHOLD": reader.TimeSpan(child, v => health.LagThreshold = v); break;
                case "SAMPLEINTERVAL": reader.TimeSpan(child, v => health.SampleInterval = v); break;
                case "LAGEVENTSTHRESHOLD": reader.Int64(child, v => health.LagEventsThreshold = v, long.MaxValue); break;
                default: reader.Unknown(child, section.Path); break;
            }
        }
    }

    // TenantDatabases:<tenant> = <connection string>; the connection string is never quoted in a message.
    private static void BindTenantDatabases(IConfigurationSection section, ProjectionGenOptions options, Reader reader)
    {
        foreach (var child in section.GetChildren())
        {
            reader.TenantDatabase(child, (tenant, connectionString) => options.TenantDatabases[tenant] = connectionString);
        }
    }

    private sealed class Reader(List<string> errors)
    {
        public void TenantDatabase(IConfigurationSection child, Action<string, string> set)
        {
            try
            {
                EventStore.TenantIds.Validate(child.Key, "tenant");
            }
            catch (ArgumentException invalid)
            {
                errors.Add($"{child.Path}: {invalid.Message}");
                return;
            }

            if (string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path}: the tenant database has no connection string.");
                return;
            }

            set(child.Key, child.Value);
        }

        public void Bool(IConfigurationSection child, Action<bool> set)
        {
            if (bool.TryParse(child.Value, out var value))
            {
                set(value);
            }
            else
            {
                errors.Add($"{child.Path}: '{child.Value}' is not true or false.");
            }
        }

        public void TimeSpan(IConfigurationSection child, Action<TimeSpan> set)
        {
            if (System.TimeSpan.TryParse(child.Value, CultureInfo.InvariantCulture, out var value))
            {
                set(value);
            }
            else
            {
                errors.Add($"{child.Path}: '{child.Value}' is not a time span (write it as hh:mm:ss, e.g. 00:00:05).");
            }
        }

        public void Int64(IConfigurationSection child, Action<long> set, long max)
        {
            if (long.TryParse(child.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value <= max && value >= -max)
            {
                set(value);
            }
            else
            {
                errors.Add($"{child.Path}: '{child.Value}' is not a whole number (at most {max}).");
            }
        }

        public void Tenancy(IConfigurationSection child, Action<EventStore.TenancyStyle> set)
        {
            if (Enum.TryParse<EventStore.TenancyStyle>(child.Value, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(child.Value, CultureInfo.InvariantCulture, out _))
            {
                set(value);
            }
            else
            {
                errors.Add($"{child.Path}: '{child.Value}' is not a tenancy style (None or Conjoined, docs/tenancy.md).");
            }
        }

        public void Unknown(IConfigurationSection child, string parentPath) =>
            errors.Add($"{child.Path}: '{child.Key}' is not a ProjectionGen option under {parentPath} (check its spelling).");
    }
}
