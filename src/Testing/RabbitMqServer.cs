using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ProjectionGen.Testing;

/// <summary>
/// A private RabbitMQ broker for tests, started from the local <c>rabbitmq-server</c> (Debian:
/// <c>apt-get install rabbitmq-server</c>) as a foreground process: free loopback ports, a temporary folder for its
/// data, logs and configuration, its own <c>epmd</c> on a private port, and a generated user and password (no
/// <c>guest</c> user). It can be stopped, started, restarted and killed for fault tests; disposing it stops every
/// process it started and deletes the folder.
/// </summary>
/// <remarks>
/// A stopped or killed broker starts again on the same port with the same data, so durable queues and the persistent
/// messages in them survive; a kill loses nothing the broker confirmed to a publisher, except with a queue declared
/// shortly before it, which RabbitMQ 3.10 may not have written out yet: restart gracefully after declaring a fault
/// test's topology (docs/testing.md, "Controls for fault tests").
/// </remarks>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly RabbitMqBinaries binaries;
    private readonly Dictionary<string, string> environment;
    private readonly SemaphoreSlim control = new(1, 1);
    private OutputTail brokerOutput = new();
    private OutputTail epmdOutput = new();
    private Process? broker;
    private Process? epmd;
    private int disposed;

    private RabbitMqServer(RabbitMqBinaries binaries, string rootDirectory, string nodeName, string userName, string password)
    {
        this.binaries = binaries;
        RootDirectory = rootDirectory;
        UserName = userName;
        Password = password;
        Port = LoopbackPort.FindFree();
        EpmdPort = LoopbackPort.FindFree();
        var distributionPort = LoopbackPort.FindFree();
        var logDirectory = Path.Combine(rootDirectory, "log");
        LogFile = Path.Combine(logDirectory, nodeName + ".log");
        ConnectionString = string.Create(CultureInfo.InvariantCulture, $"amqp://{userName}:{password}@{HostName}:{Port}/");
        Uri = new Uri(ConnectionString);
        environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The Erlang cookie (.erlang.cookie) is created in HOME.
            ["HOME"] = rootDirectory,
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = HostName,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(rootDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = logDirectory,
            ["RABBITMQ_CONFIG_FILE"] = ConfigFile,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(rootDirectory, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = PidFile,

            // Files that do not exist, so that the machine's /etc/rabbitmq (a packaged broker's settings) is not read.
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(rootDirectory, "rabbitmq-env.conf"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(rootDirectory, "advanced.config"),
            ["ERL_CRASH_DUMP"] = Path.Combine(rootDirectory, "erl_crash.dump"),

            // The VM must not start an epmd of its own (a daemon nobody would stop): this harness runs one per broker.
            // Distribution listens on loopback only, like the AMQP listener.
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
        };
    }

    /// <summary>The broker's address: always <c>127.0.0.1</c>.</summary>
    public string HostName { get; } = "127.0.0.1";

    /// <summary>The AMQP port, the same across stops, kills and restarts.</summary>
    public int Port { get; }

    /// <summary>The generated user, an administrator of the default virtual host <c>/</c>.</summary>
    public string UserName { get; }

    /// <summary>The generated user's password.</summary>
    public string Password { get; }

    /// <summary>The broker's URI with its credentials: <c>amqp://user:password@127.0.0.1:port/</c> (the default virtual host).</summary>
    public string ConnectionString { get; }

    /// <summary><see cref="ConnectionString"/> as a <see cref="System.Uri"/>, for <c>ConnectionFactory.Uri</c>.</summary>
    public Uri Uri { get; }

    /// <summary>The port of the broker's own <c>epmd</c> (the Erlang port mapper), which runs until the server is disposed.</summary>
    public int EpmdPort { get; }

    /// <summary>The temporary folder holding the broker's data, logs and configuration; disposing the server deletes it.</summary>
    public string RootDirectory { get; }

    /// <summary>The broker's log file, useful when a test fails.</summary>
    public string LogFile { get; }

    /// <summary>Whether the broker is running (it is between <see cref="StopAsync"/> or <see cref="KillAsync"/> and the next start).</summary>
    public bool IsRunning => broker is not null;

    private string ConfigFile => Path.Combine(RootDirectory, "rabbitmq.conf");

    /// <summary>The Erlang VM's process id, written by the broker as it boots.</summary>
    private string PidFile => Path.Combine(RootDirectory, "rabbitmq.pid");

    /// <summary>
    /// Starts a private broker and waits until it accepts AMQP connections (it answers the protocol header with
    /// <c>connection.start</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// RabbitMQ is not installed (the message says how to install it), or the broker did not start; the message then
    /// has its last lines of output and names its log file.
    /// </exception>
    public static async Task<RabbitMqServer> StartAsync(RabbitMqServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RabbitMqServerOptions();
        var binaries = RabbitMqBinaries.Find() ?? throw new InvalidOperationException(
            "RabbitMQ server binaries were not found: rabbitmq-server on PATH, in /usr/lib/rabbitmq/bin or /usr/sbin, and epmd on PATH. "
            + RabbitMqBinaries.InstallHint);
        var id = Guid.NewGuid().ToString("N")[..12];
        var root = Path.Combine(Path.GetTempPath(), "projectiongen-rabbitmq-" + id);
        Directory.CreateDirectory(root);
        var server = new RabbitMqServer(binaries, root, $"rabbit-{id}@localhost", "projectiongen-" + id[..8], Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
        try
        {
            await server.WriteConfigurationAsync(options, cancellationToken).ConfigureAwait(false);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a broker stopped by <see cref="StopAsync"/> or <see cref="KillAsync"/> on the same port with the same
    /// data, and waits until it accepts AMQP connections; does nothing when it runs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker did not start.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            if (broker is null)
            {
                await StartBrokerAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            control.Release();
        }
    }

    /// <summary>
    /// Stops the broker gracefully (SIGTERM: connections are closed, queues written) and leaves it down until
    /// <see cref="StartAsync(CancellationToken)"/>; does nothing when it is down.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopBrokerAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    /// <summary>Stops the broker gracefully and starts it again on the same port with the same data.</summary>
    /// <exception cref="InvalidOperationException">The broker did not start again.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            await StopBrokerAsync(cancellationToken).ConfigureAwait(false);
            await StartBrokerAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }
    }

    /// <summary>
    /// Kills the broker's Erlang VM with SIGKILL, as in a crash: connections break without a close, nothing is
    /// written on the way down (a queue declared shortly before may be gone: see the remarks on this type). It stays
    /// down until <see cref="StartAsync(CancellationToken)"/>.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (broker is { } process)
            {
                broker = null;
                SendKill(process);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                process.Dispose();
            }
        }
        finally
        {
            control.Release();
        }
    }

    /// <summary>Kills the broker and its <c>epmd</c> and deletes <see cref="RootDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await control.WaitAsync().ConfigureAwait(false);
        try
        {
            // No graceful stop: the data is deleted anyway.
            await KillProcessesAsync().ConfigureAwait(false);
        }
        finally
        {
            control.Release();
        }

        DeleteRoot();
        control.Dispose();
    }

    private async Task WriteConfigurationAsync(RabbitMqServerOptions options, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The generated user replaces guest, which is then never created.
            ["default_user"] = UserName,
            ["default_pass"] = Password,
            ["default_vhost"] = "/",
            ["log.console"] = "false",
            ["log.file.level"] = "info",
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        await File.WriteAllLinesAsync(ConfigFile, settings.Select(setting => $"{setting.Key} = {setting.Value}"), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // No plugins (the machine's /etc/rabbitmq/enabled_plugins is not read).
        await File.WriteAllTextAsync(Path.Combine(RootDirectory, "enabled_plugins"), "[].\n", cancellationToken).ConfigureAwait(false);
    }

    private async Task StartBrokerAsync(CancellationToken cancellationToken)
    {
        if (epmd is null || epmd.HasExited)
        {
            epmd?.Dispose();
            epmdOutput = new OutputTail();
            epmd = Launch(binaries.Epmd, ["-port", EpmdPort.ToString(CultureInfo.InvariantCulture), "-address", HostName], epmdOutput);
            await WaitUntilAsync(epmd, epmdOutput, "epmd", AcceptsTcpAsync(EpmdPort), cancellationToken).ConfigureAwait(false);
        }

        // The start script without RABBITMQ_ALLOW_INPUT: it runs the VM in the background and turns SIGTERM into a
        // graceful shutdown of the VM.
        // A pid file left by a killed broker names a process that is gone (or someone else's by now).
        File.Delete(PidFile);
        brokerOutput = new OutputTail();
        var process = Launch(binaries.ServerScript, [], brokerOutput);
        broker = process;
        try
        {
            await WaitUntilAsync(process, brokerOutput, "rabbitmq-server", AcceptsAmqpAsync(Port), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            broker = null;
            await KillBrokerAsync(process).ConfigureAwait(false);
            throw;
        }
    }

    private async Task StopBrokerAsync(CancellationToken cancellationToken)
    {
        if (broker is not { } process)
        {
            return;
        }

        broker = null;
        try
        {
            if (!process.HasExited)
            {
                // To the start script, which passes it to the VM and waits for it.
                await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await KillBrokerAsync(process, dispose: false).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the signal.
        }
        finally
        {
            process.Dispose();
        }
    }

    private Process Launch(string fileName, IEnumerable<string> arguments, OutputTail output)
    {
        var startInfo = ProcessRunner.CreateStartInfo(fileName, arguments, null, environment);
        startInfo.WorkingDirectory = RootDirectory;

        // Inherited settings for another broker or VM (and systemd's readiness socket) must not reach this one.
        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if ((name.StartsWith("RABBITMQ_", StringComparison.Ordinal) || name.StartsWith("ERL_", StringComparison.Ordinal) || name == "NOTIFY_SOCKET")
                && !environment.ContainsKey(name))
            {
                startInfo.Environment.Remove(name);
            }
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{Path.GetFileName(fileName)} did not start.");
        process.StandardInput.Close();
        output.Attach(process);
        return process;
    }

    private async Task WaitUntilAsync(Process process, OutputTail output, string name, Func<CancellationToken, Task<bool>> ready, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await ready(cancellationToken).ConfigureAwait(false))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{name} exited with code {process.ExitCode} before accepting connections (log: {LogFile}):{Environment.NewLine}{output.Text}");
            }

            if (elapsed.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException(
                    $"{name} did not accept connections within {StartTimeout.TotalSeconds:0} s (log: {LogFile}):{Environment.NewLine}{output.Text}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Func<CancellationToken, Task<bool>> AcceptsTcpAsync(int port) => async cancellationToken =>
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    };

    /// <summary>Sends the AMQP 0-9-1 protocol header and expects <c>connection.start</c> in return.</summary>
    private static Func<CancellationToken, Task<bool>> AcceptsAmqpAsync(int port) => async cancellationToken =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var frame = new byte[11];
            await stream.ReadExactlyAsync(frame, timeout.Token).ConfigureAwait(false);

            // A method frame (type 1) on channel 0 whose class and method are connection (10) and start (10).
            return frame[0] == 1 && frame[1] == 0 && frame[2] == 0 && frame[7] == 0 && frame[8] == 10 && frame[9] == 0 && frame[10] == 10;
        }
        catch (Exception exception) when (exception is SocketException or IOException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    };

    private async Task KillProcessesAsync()
    {
        await KillBrokerAsync(broker).ConfigureAwait(false);
        broker = null;
        if (epmd is { } process)
        {
            epmd = null;
            try
            {
                process.Kill();
                await WaitForExitAsync(process).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
            finally
            {
                process.Dispose();
            }
        }
    }

    private async Task KillBrokerAsync(Process? script, bool dispose = true)
    {
        if (script is null)
        {
            return;
        }

        SendKill(script);
        await WaitForExitAsync(script).ConfigureAwait(false);
        if (dispose)
        {
            script.Dispose();
        }
    }

    /// <summary>
    /// Waits (30 s at most) until the process has exited and its output has ended: the VM's helper processes
    /// (<c>erl_child_setup</c>, <c>inet_gethost</c>) hold the output pipe until they end, shortly after the VM.
    /// </summary>
    private static async Task WaitForExitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Left to the operating system; the caller goes on.
        }
    }

    /// <summary>
    /// SIGKILL to the Erlang VM (named by its pid file, when that names a child of the start script) and to the start
    /// script; the VM's helper processes end with it. Killing the whole process tree instead makes .NET read every
    /// process of the machine, which took seconds on a loaded one.
    /// </summary>
    private void SendKill(Process script)
    {
        try
        {
            if (VmProcessId(script.Id) is { } vm)
            {
                using var process = Process.GetProcessById(vm);
                process.Kill();
                script.Kill();
            }
            else
            {
                script.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // Exited meanwhile.
        }
    }

    private int? VmProcessId(int scriptId)
    {
        try
        {
            var pid = int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);

            // "pid (command) state ppid ...": the command may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            return parent == scriptId ? pid : null;
        }
        catch (Exception exception) when (exception is IOException or FormatException or OverflowException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Last resort when a test run ends without disposing the server: never leave a broker or an epmd behind.
        KillProcessesAsync().GetAwaiter().GetResult();
        DeleteRoot();
    }

    private void DeleteRoot()
    {
        try
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
