using System.Diagnostics;

namespace ProjectionGen.Testing;

/// <summary>
/// Reads a process's standard output and error to the end (a full pipe would block it) and keeps the last lines for
/// error messages, leaving out Erlang logger lines below warning (a failed boot's reasons are errors, and a
/// RabbitMQ that fails on its configuration prints them first and a long crash report after them).
/// </summary>
internal sealed class OutputTail
{
    private static readonly string[] QuietLevels = [" [debug] ", " [info] ", " [notice] "];

    private readonly Queue<string> lines = new();
    private readonly int capacity;

    public OutputTail(int capacity = 80) => this.capacity = capacity;

    /// <summary>The kept lines, oldest first.</summary>
    public string Text
    {
        get
        {
            lock (lines)
            {
                return string.Join(Environment.NewLine, lines);
            }
        }
    }

    /// <summary>Starts reading both streams of <paramref name="process"/>, which must redirect them and have been started.</summary>
    public void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || QuietLevels.Any(level => line.Contains(level, StringComparison.Ordinal)))
        {
            return;
        }

        lock (lines)
        {
            lines.Enqueue(line);
            if (lines.Count > capacity)
            {
                lines.Dequeue();
            }
        }
    }
}
