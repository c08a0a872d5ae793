using Microsoft.Extensions.Options;
using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Hosting;

/// <summary>
/// Validates <see cref="ProjectionGenOptions"/> when the host starts (<c>ValidateOnStart</c>): one message per invalid
/// option, named by its configuration path. Connection strings are checked for syntax but never quoted.
/// </summary>
internal sealed class ProjectionGenOptionsValidator : IValidateOptions<ProjectionGenOptions>
{
    public ValidateOptionsResult Validate(string? name, ProjectionGenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(options.BindingErrors);
        errors.AddRange(options.Daemon.Validate().Select(error => "Daemon." + error));
        CheckConnectionString(errors, options.Daemon.ConnectionString, "Daemon.ConnectionString");
        CheckConnectionString(errors, options.Daemon.LockConnectionString, "Daemon.LockConnectionString");
        CheckConnectionString(errors, options.SchemaConnectionString, "SchemaConnectionString");

        // The schema names the notification channel "<schema>_events", which must fit in 63 characters.
        if (!PostgresIdentifier.IsValid(options.EventStore.Schema) || options.EventStore.Schema.Length > 56)
        {
            errors.Add($"EventStore.Schema '{options.EventStore.Schema}' must be lowercase letters, digits and underscores, not starting with a digit, at most 56 characters.");
        }

        if (options.EventStore.MaxEventBytes <= 0)
        {
            errors.Add($"EventStore.MaxEventBytes must be positive (was {options.EventStore.MaxEventBytes}).");
        }

        errors.AddRange(options.Health.Validate().Select(error => "Health." + error));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(error => "ProjectionGen: " + error));
    }

    private static void CheckConnectionString(List<string> errors, string? connectionString, string setting)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // The parser's message may quote the offending fragment, which can be a password: say only which setting.
            errors.Add($"{setting} is not a valid Npgsql connection string.");
        }
    }
}
