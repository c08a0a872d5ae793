namespace ProjectionGen.Testing;

/// <summary>Settings for <see cref="RabbitMqServer.StartAsync(RabbitMqServerOptions?, CancellationToken)"/>.</summary>
public sealed class RabbitMqServerOptions
{
    /// <summary>
    /// Extra <c>rabbitmq.conf</c> settings (name to value, in RabbitMQ's <c>key = value</c> format), for example
    /// <c>["consumer_timeout"] = "60000"</c>. The listener, the user and the logs are the harness's own: do not set them.
    /// </summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
