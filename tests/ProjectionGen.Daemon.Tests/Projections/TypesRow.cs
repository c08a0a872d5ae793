namespace ProjectionGen.Tests.Projections;

/// <summary>A row with every supported column type, each also nullable, and one renamed column.</summary>
[ProjectionRow("row_types")]
public sealed partial record TypesRow(
    long Seq, short Small, int Number, bool Flag, string Text, decimal Price, double Ratio, float Fraction, Guid Id,
    DateTime Utc, DateTime Local, DateTimeOffset At, DateOnly Day, byte[] Bytes,
    short? SmallN, int? NumberN, long? BigN, bool? FlagN, string? TextN, decimal? PriceN, double? RatioN, float? FractionN,
    Guid? IdN, DateTime? UtcN, DateTimeOffset? AtN, DateOnly? DayN, byte[]? BytesN)
{
    public const string CreateTableSql = """
        CREATE TABLE row_types (ord bigint GENERATED ALWAYS AS IDENTITY, seq bigint NOT NULL, small smallint, number int, flag boolean, text text,
            price numeric, ratio double precision, fraction real, id uuid, utc timestamptz, local timestamp, at timestamptz, day date, bytes bytea,
            small_n smallint, number_n int, big_n bigint, flag_n boolean, text_n text, price_n numeric, ratio_n double precision, fraction_n real,
            id_n uuid, utc_n timestamptz, at_n timestamptz, day_n date, payload bytea)
        """;

    /// <summary>Written to the column <c>payload</c> instead of <c>bytes_n</c>.</summary>
    [ProjectionColumn("payload")]
    public byte[]? BytesN { get; init; } = BytesN;
}
