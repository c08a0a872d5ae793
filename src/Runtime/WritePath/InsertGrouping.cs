using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace ProjectionGen.WritePath;

/// <summary>
/// Sends a run of consecutive single-row INSERTs with the identical SQL text and parameter types as one
/// <c>INSERT … SELECT * FROM ROWS FROM (unnest($1), …)</c> with one array parameter per column: the same rows, in the
/// same order, in the same transaction, in one statement instead of one per event (see docs/daemon.md, "Writes").
/// Only the exact shape <c>INSERT INTO t (c1, …, cn) VALUES ($1, …, $n)</c> is grouped; every other command, and every
/// command whose parameter types have no array mapping, is sent exactly as it was written.
/// </summary>
internal static partial class InsertGrouping
{
    private const string Identifier = """(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")""";

    /// <summary>
    /// The commands to send for <paramref name="commands"/>: runs of two or more groupable commands replaced by one
    /// grouped command each, all others unchanged and in their order.
    /// </summary>
    /// <param name="commands">The queued commands.</param>
    /// <param name="columns">Per command, the array column of each parameter, or null when the command is never grouped.</param>
    /// <param name="shapes">The grouped SQL per SQL text already parsed (null: not the simple shape); filled as texts are met.</param>
    public static IEnumerable<NpgsqlBatchCommand> Group(IReadOnlyList<NpgsqlBatchCommand> commands, IReadOnlyList<ArrayColumn[]?> columns, Dictionary<(string Sql, int Parameters), string?> shapes)
    {
        var i = 0;
        while (i < commands.Count)
        {
            var signature = columns[i];
            var sql = commands[i].CommandText;
            var end = i + 1;
            if (signature is not null)
            {
                while (end < commands.Count && columns[end] is { } next && SameTypes(next, signature)
                       && (ReferenceEquals(commands[end].CommandText, sql) || string.Equals(commands[end].CommandText, sql, StringComparison.Ordinal)))
                {
                    end++;
                }
            }

            if (end - i >= 2 && GroupedSql(sql, signature!.Length, shapes) is { } grouped)
            {
                var command = new NpgsqlBatchCommand(grouped);
                for (var p = 0; p < signature.Length; p++)
                {
                    command.Parameters.Add(signature[p].Build(commands, i, end, p));
                }

                yield return command;
            }
            else
            {
                for (var k = i; k < end; k++)
                {
                    yield return commands[k];
                }
            }

            i = end;
        }
    }

    /// <summary>
    /// The grouped form of <paramref name="sql"/> when it is exactly <c>INSERT INTO t (c1, …, cn) VALUES ($1, …, $n)</c>
    /// with <paramref name="parameters"/> columns (an optional trailing semicolon allowed), otherwise null.
    /// </summary>
    public static string? Rewrite(string sql, int parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var match = SingleRowInsert().Match(sql);
        if (!match.Success)
        {
            return null;
        }

        var columns = match.Groups["column"].Captures;
        var values = match.Groups["value"].Captures;
        if (columns.Count != parameters || values.Count != parameters)
        {
            return null;
        }

        for (var p = 0; p < values.Count; p++)
        {
            if (!int.TryParse(values[p].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number != p + 1)
            {
                return null;
            }
        }

        var grouped = new StringBuilder("INSERT INTO ").Append(match.Groups["table"].Value).Append(" (");
        for (var p = 0; p < columns.Count; p++)
        {
            grouped.Append(p == 0 ? "" : ", ").Append(columns[p].Value);
        }

        grouped.Append(") SELECT * FROM ROWS FROM (");
        for (var p = 1; p <= parameters; p++)
        {
            grouped.Append(p == 1 ? "" : ", ").Append("pg_catalog.unnest($").Append(p.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        return grouped.Append(')').ToString();
    }

    private static string? GroupedSql(string sql, int parameters, Dictionary<(string Sql, int Parameters), string?> shapes)
    {
        if (!shapes.TryGetValue((sql, parameters), out var grouped))
        {
            grouped = Rewrite(sql, parameters);
            shapes[(sql, parameters)] = grouped;
        }

        return grouped;
    }

    private static bool SameTypes(ArrayColumn[] a, ArrayColumn[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var p = 0; p < a.Length; p++)
        {
            if (!ReferenceEquals(a[p], b[p]))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(
        @"^\s*INSERT\s+INTO\s+(?<table>" + Identifier + @"(?:\s*\.\s*" + Identifier + @")?)\s*"
        + @"\(\s*(?<column>" + Identifier + @")(?:\s*,\s*(?<column>" + Identifier + @"))*\s*\)\s*"
        + @"VALUES\s*\(\s*\$(?<value>[0-9]+)(?:\s*,\s*\$(?<value>[0-9]+))*\s*\)\s*;?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SingleRowInsert();
}
