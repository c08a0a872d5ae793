using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>An append made inside a transaction that the test keeps open until it commits or rolls it back.</summary>
internal sealed class OpenAppend : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private readonly NpgsqlTransaction transaction;

    private OpenAppend(NpgsqlConnection connection, NpgsqlTransaction transaction, AppendResult result)
    {
        this.connection = connection;
        this.transaction = transaction;
        Result = result;
    }

    public AppendResult Result { get; }

    public static async Task<OpenAppend> StartAsync(StoreScope scope, string streamId, int count = 1)
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await scope.DataSource.OpenConnectionAsync(ct);
        var transaction = await connection.BeginTransactionAsync(ct);
        var events = Enumerable.Range(0, count).Select(i => (object)new ItemAdded(streamId, i)).ToList();
        var result = await scope.Store.AppendAsync(connection, streamId, events, ExpectedVersion.Any, null, ct);
        return new OpenAppend(connection, transaction, result);
    }

    public Task CommitAsync() => transaction.CommitAsync(TestContext.Current.CancellationToken);

    public Task RollbackAsync() => transaction.RollbackAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
