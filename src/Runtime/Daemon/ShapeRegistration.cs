using Npgsql;
using NpgsqlTypes;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's side of the shape fence (docs/cluster.md, "Shapes across code versions"): registers the shape of each
/// generation it runs at start (<c>register_shape</c>, schema version 13), and asks again, read only, when an
/// acquisition finds the slot's row requires another shape. The fence itself is in the database: registering a newer
/// shape stamps it on the generation's progress rows under a new epoch, and acquisition's UPDATE matches only a row whose
/// required shape is the acquirer's (<see cref="ProgressTable.AcquireSql"/>).
/// </summary>
internal static class ShapeRegistration
{
    /// <summary>The answer of <c>register_shape</c>.</summary>
    /// <param name="Status"><c>current</c>, <c>first</c> (no shape was registered before), <c>registered</c>, <c>superseded</c>, <c>unregistered</c> or <c>refused</c>.</param>
    /// <param name="Types">For <c>superseded</c> and <c>unregistered</c>, the newest shape's types; for <c>refused</c> and <c>registered</c>, the types that are new.</param>
    /// <param name="Events">For <c>refused</c>, how many events of the new types lie at or below a slot's committed position.</param>
    internal sealed record Result(string Status, IReadOnlyList<string> Types, long Events)
    {
        /// <summary>Whether this node may run the generation.</summary>
        public bool Runs => Status is "current" or "first" or "registered";
    }

    /// <summary>Registers (or, with <paramref name="register"/> off, only checks) <paramref name="shape"/> as generation <paramref name="key"/>'s.</summary>
    public static async Task<Result> RegisterAsync(NpgsqlConnection connection, ProgressTable progress, string key, ProjectionShape shape, string node, bool register, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(progress.RegisterShapeSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shape.Fingerprint });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. shape.Types], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = register });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var types = reader.IsDBNull(1) ? [] : reader.GetFieldValue<string[]>(1);
        return new Result(reader.GetString(0), types, reader.GetInt64(2));
    }
}
