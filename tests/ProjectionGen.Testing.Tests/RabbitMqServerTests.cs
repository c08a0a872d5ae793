using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ProjectionGen.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The harness's RabbitMQ broker: a real rabbitmq-server, stopped, killed and started again.</summary>
public sealed class RabbitMqServerTests
{
    // What the broker logs at the end of a graceful stop, and never when its VM is killed.
    private const string GracefulStopLine = "stopped TCP listener";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Persistent_message_on_a_durable_queue_survives_a_stop_held_for_5_seconds()
    {
        var elapsed = Stopwatch.StartNew();
        await using var server = await RabbitMqServer.StartAsync(cancellationToken: Ct);
        Report($"start: {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal($"amqp://{server.UserName}:{server.Password}@127.0.0.1:{server.Port}/", server.ConnectionString);
        Assert.Equal(server.ConnectionString, server.Uri.ToString());
        Assert.Equal("127.0.0.1", server.HostName);
        await WaitForLogAsync(server, "Server startup complete; 0 plugins started.");
        Assert.True(File.Exists(Path.Combine(server.RootDirectory, ".erlang.cookie")));

        // Only the generated user exists: guest is never created.
        var guest = new ConnectionFactory { HostName = server.HostName, Port = server.Port, UserName = "guest", Password = "guest", AutomaticRecoveryEnabled = false };
        var refused = await Assert.ThrowsAsync<BrokerUnreachableException>(() => guest.CreateConnectionAsync(Ct));
        Assert.IsType<AuthenticationFailureException>(refused.InnerException);

        await using (var connection = await ConnectAsync(server))
        await using (var channel = await ConfirmingChannelAsync(connection))
        {
            await channel.QueueDeclareAsync("orders", durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            await PublishAsync(channel, "orders", "consumed");
            var delivered = await ConsumeOneAsync(channel, "orders");
            Assert.Equal("consumed", Encoding.UTF8.GetString(delivered.Body.Span));
            Assert.True(delivered.BasicProperties.Persistent);
            Assert.Equal("consumed", delivered.BasicProperties.MessageId);
            await PublishAsync(channel, "orders", "kept");
        }

        elapsed.Restart();
        await server.StopAsync(Ct);
        Report($"stop: {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.False(server.IsRunning);
        Assert.Contains(GracefulStopLine, await ReadLogAsync(server));
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => ConnectAsync(server));
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => ConnectAsync(server));

        elapsed.Restart();
        await server.StartAsync(Ct);
        Report($"start again: {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.True(server.IsRunning);
        Assert.Equal(["kept"], await DrainAsync(server, "orders"));
    }

    [Fact]
    public async Task Confirmed_persistent_messages_survive_a_kill()
    {
        await using var server = await RabbitMqServer.StartAsync(cancellationToken: Ct);
        await using (var connection = await ConnectAsync(server))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync("events", durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        }

        // RabbitMQ 3.10 can lose a durable queue declared just before a kill, with the messages confirmed into it
        // (docs/testing.md, "Controls for fault tests"); a graceful restart writes the declaration out.
        var elapsed = Stopwatch.StartNew();
        await server.RestartAsync(Ct);
        Report($"restart: {elapsed.Elapsed.TotalSeconds:0.00} s");

        var sent = Enumerable.Range(1, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        await using (var connection = await ConnectAsync(server))
        await using (var channel = await ConfirmingChannelAsync(connection))
        {
            foreach (var body in sent)
            {
                // Returns once the broker confirmed the message (throws on a nack).
                await PublishAsync(channel, "events", body);
            }

            var logBeforeKill = (await ReadLogAsync(server)).Length;
            elapsed.Restart();
            await server.KillAsync(Ct);
            Report($"kill: {elapsed.Elapsed.TotalSeconds:0.00} s");
            Assert.False(server.IsRunning);

            // A kill, not a shutdown: the broker wrote nothing on its way down.
            Assert.DoesNotContain(GracefulStopLine, (await ReadLogAsync(server))[logBeforeKill..]);
            await Assert.ThrowsAsync<BrokerUnreachableException>(() => ConnectAsync(server));

            elapsed.Restart();
            await server.StartAsync(Ct);
            Report($"start after kill: {elapsed.Elapsed.TotalSeconds:0.00} s");
        }

        Assert.Equal(sent, await DrainAsync(server, "events"));
    }

    [Fact]
    public async Task Two_servers_run_at_once_and_dispose_leaves_no_process_behind()
    {
        var elapsed = Stopwatch.StartNew();
        var starting = new[] { RabbitMqServer.StartAsync(cancellationToken: Ct), RabbitMqServer.StartAsync(cancellationToken: Ct) };
        RabbitMqServer[] servers;
        try
        {
            servers = await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(start => start.IsCompletedSuccessfully))
            {
                await (await start).DisposeAsync();
            }

            throw;
        }

        var (first, second) = (servers[0], servers[1]);
        try
        {
            Report($"two starts at once: {elapsed.Elapsed.TotalSeconds:0.00} s");
            Assert.NotEqual(first.Port, second.Port);
            Assert.NotEqual(first.EpmdPort, second.EpmdPort);
            Assert.NotEqual(first.UserName, second.UserName);

            // Two brokers, not one: a queue declared on the first is unknown to the second.
            await using (var connection = await ConnectAsync(first))
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
            {
                await channel.QueueDeclareAsync("only-on-first", durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            }

            await using (var connection = await ConnectAsync(second))
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
            {
                var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync("only-on-first", Ct));
                Assert.Equal(404, (int?)missing.ShutdownReason?.ReplyCode);
            }

            // Both listen on loopback only: the VM (AMQP and Erlang distribution) and epmd.
            var listeners = Listeners();
            foreach (var server in servers)
            {
                var vm = ProcessesOf(server).Single(line => line.Contains("beam.smp", StringComparison.Ordinal));
                var vmPid = int.Parse(vm.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                Assert.Equal(UidOf("self"), UidOf(vmPid.ToString(CultureInfo.InvariantCulture))); // the current account
                var sockets = SocketInodes(vmPid);
                var vmListeners = listeners.Where(listener => sockets.Contains(listener.Inode)).ToList();
                Assert.Contains(vmListeners, listener => listener.Port == server.Port);
                Assert.True(vmListeners.Count >= 2, $"the VM listens on {vmListeners.Count} sockets; expected AMQP and distribution");
                Assert.All(vmListeners, listener => Assert.Equal("127.0.0.1", listener.Address));
                var epmdListeners = listeners.Where(listener => listener.Port == server.EpmdPort).ToList();
                Assert.NotEmpty(epmdListeners);
                Assert.All(epmdListeners, listener => Assert.True(listener.Address is "127.0.0.1" or "::1", listener.Address)); // epmd adds ::1
            }

            // The check below finds the processes while they run.
            foreach (var server in servers)
            {
                var running = ProcessesOf(server);
                Assert.Contains(running, line => line.Contains("beam.smp", StringComparison.Ordinal));
                Assert.Contains(running, line => line.Contains("erl_child_setup", StringComparison.Ordinal));
                Assert.Contains(running, line => line.Contains("rabbitmq-server", StringComparison.Ordinal));
                Assert.Contains(running, line => line.Contains("epmd", StringComparison.Ordinal));
            }
        }
        finally
        {
            elapsed.Restart();
            await first.DisposeAsync();
            await second.DisposeAsync();
            Report($"two disposes: {elapsed.Elapsed.TotalSeconds:0.00} s");
        }

        foreach (var server in servers)
        {
            Assert.Empty(ProcessesOf(server));
            Assert.False(Directory.Exists(server.RootDirectory));
            Assert.False(await AcceptsTcpAsync(server.Port));
            Assert.False(await AcceptsTcpAsync(server.EpmdPort));
        }
    }

    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private static Task<IConnection> ConnectAsync(RabbitMqServer server) =>
        new ConnectionFactory { Uri = server.Uri, AutomaticRecoveryEnabled = false }.CreateConnectionAsync(Ct);

    private static Task<IChannel> ConfirmingChannelAsync(IConnection connection) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct);

    private static async Task PublishAsync(IChannel channel, string queue, string body)
    {
        var properties = new BasicProperties { Persistent = true, MessageId = body };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(body), Ct);
    }

    private static async Task<BasicDeliverEventArgs> ConsumeOneAsync(IChannel channel, string queue)
    {
        var received = new TaskCompletionSource<BasicDeliverEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // The body's memory belongs to the client only during this handler.
            var copy = new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange,
                delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray(), Ct);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, Ct);
            received.TrySetResult(copy);
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, Ct);
        var delivered = await received.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await channel.BasicCancelAsync(tag, cancellationToken: Ct);
        return delivered;
    }

    /// <summary>Takes every message off <paramref name="queue"/>, in order.</summary>
    private static async Task<List<string>> DrainAsync(RabbitMqServer server, string queue)
    {
        await using var connection = await ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        var bodies = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true, Ct) is { } message)
        {
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        }

        return bodies;
    }

    private static async Task<string> ReadLogAsync(RabbitMqServer server)
    {
        await using var stream = new FileStream(server.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }

    /// <summary>Waits until the broker's log has <paramref name="line"/> (the logger writes the file a moment later).</summary>
    private static async Task WaitForLogAsync(RabbitMqServer server, string line)
    {
        var elapsed = Stopwatch.StartNew();
        while (!(await ReadLogAsync(server)).Contains(line, StringComparison.Ordinal))
        {
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(30), $"the log has no '{line}' after 30 s");
            await Task.Delay(100, Ct);
        }
    }

    /// <summary>
    /// The running processes ("pid command line") of a server: every process whose command line or environment names
    /// its folder (the broker's script, its VM and the VM's helpers, all started with HOME there), and an epmd on its port.
    /// </summary>
    private static List<string> ProcessesOf(RabbitMqServer server)
    {
        var epmdPort = "-port " + server.EpmdPort.ToString(CultureInfo.InvariantCulture) + " ";
        var found = new List<string>();
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            var pid = Path.GetFileName(folder);
            if (!pid.All(char.IsAsciiDigit))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                var environment = File.ReadAllText(Path.Combine(folder, "environ"));
                if (commandLine.Contains(server.RootDirectory, StringComparison.Ordinal)
                    || environment.Contains(server.RootDirectory, StringComparison.Ordinal)
                    || (commandLine.Contains("epmd", StringComparison.Ordinal) && commandLine.Contains(epmdPort, StringComparison.Ordinal)))
                {
                    found.Add(pid + " " + commandLine.Trim());
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another account's.
            }
        }

        return found;
    }

    /// <summary>The listening TCP sockets of the machine (of this network namespace), from /proc/net/tcp and tcp6.</summary>
    private static List<Listener> Listeners() =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(file => File.ReadLines(file).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[3] == "0A") // LISTEN
            .Select(fields =>
            {
                var colon = fields[1].LastIndexOf(':');
                var address = fields[1][..colon] switch
                {
                    "0100007F" => "127.0.0.1",
                    "00000000000000000000000001000000" => "::1",
                    var other => other,
                };
                return new Listener(address, int.Parse(fields[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture), fields[9]);
            })
            .ToList();

    /// <summary>The inodes of the sockets a process holds open.</summary>
    private static HashSet<string> SocketInodes(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target!["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The real user id of a process (<c>self</c> or a pid), from /proc.</summary>
    private static string UidOf(string process) =>
        File.ReadLines($"/proc/{process}/status").Single(line => line.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1];

    private sealed record Listener(string Address, int Port, string Inode);

    private static async Task<bool> AcceptsTcpAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, Ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
