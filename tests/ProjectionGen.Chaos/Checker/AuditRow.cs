namespace ProjectionGen.Chaos.Checker;

/// <summary>One committed batch, as the audit trail recorded it inside the batch's own transaction.</summary>
internal sealed record AuditRow(long Id, string Projection, long Epoch, string Node, long From, long To, long TransactionId, DateTimeOffset CommittedAt);
