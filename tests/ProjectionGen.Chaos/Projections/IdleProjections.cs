namespace ProjectionGen.Chaos.Projections;

// The hundred idle projections of the coordination-load benchmark (100 projections x 4 shards = 400 slots): they
// handle the fault suite's event and write nothing, so an idle cluster's queries are coordination only.

[Projection("idle_000", Shards = 4)]
public partial class Idle000Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_001", Shards = 4)]
public partial class Idle001Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_002", Shards = 4)]
public partial class Idle002Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_003", Shards = 4)]
public partial class Idle003Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_004", Shards = 4)]
public partial class Idle004Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_005", Shards = 4)]
public partial class Idle005Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_006", Shards = 4)]
public partial class Idle006Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_007", Shards = 4)]
public partial class Idle007Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_008", Shards = 4)]
public partial class Idle008Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_009", Shards = 4)]
public partial class Idle009Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_010", Shards = 4)]
public partial class Idle010Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_011", Shards = 4)]
public partial class Idle011Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_012", Shards = 4)]
public partial class Idle012Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_013", Shards = 4)]
public partial class Idle013Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_014", Shards = 4)]
public partial class Idle014Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_015", Shards = 4)]
public partial class Idle015Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_016", Shards = 4)]
public partial class Idle016Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_017", Shards = 4)]
public partial class Idle017Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_018", Shards = 4)]
public partial class Idle018Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_019", Shards = 4)]
public partial class Idle019Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_020", Shards = 4)]
public partial class Idle020Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_021", Shards = 4)]
public partial class Idle021Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_022", Shards = 4)]
public partial class Idle022Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_023", Shards = 4)]
public partial class Idle023Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_024", Shards = 4)]
public partial class Idle024Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_025", Shards = 4)]
public partial class Idle025Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_026", Shards = 4)]
public partial class Idle026Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_027", Shards = 4)]
public partial class Idle027Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_028", Shards = 4)]
public partial class Idle028Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_029", Shards = 4)]
public partial class Idle029Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_030", Shards = 4)]
public partial class Idle030Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_031", Shards = 4)]
public partial class Idle031Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_032", Shards = 4)]
public partial class Idle032Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_033", Shards = 4)]
public partial class Idle033Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_034", Shards = 4)]
public partial class Idle034Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_035", Shards = 4)]
public partial class Idle035Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_036", Shards = 4)]
public partial class Idle036Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_037", Shards = 4)]
public partial class Idle037Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_038", Shards = 4)]
public partial class Idle038Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_039", Shards = 4)]
public partial class Idle039Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_040", Shards = 4)]
public partial class Idle040Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_041", Shards = 4)]
public partial class Idle041Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_042", Shards = 4)]
public partial class Idle042Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_043", Shards = 4)]
public partial class Idle043Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_044", Shards = 4)]
public partial class Idle044Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_045", Shards = 4)]
public partial class Idle045Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_046", Shards = 4)]
public partial class Idle046Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_047", Shards = 4)]
public partial class Idle047Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_048", Shards = 4)]
public partial class Idle048Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_049", Shards = 4)]
public partial class Idle049Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_050", Shards = 4)]
public partial class Idle050Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_051", Shards = 4)]
public partial class Idle051Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_052", Shards = 4)]
public partial class Idle052Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_053", Shards = 4)]
public partial class Idle053Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_054", Shards = 4)]
public partial class Idle054Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_055", Shards = 4)]
public partial class Idle055Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_056", Shards = 4)]
public partial class Idle056Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_057", Shards = 4)]
public partial class Idle057Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_058", Shards = 4)]
public partial class Idle058Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_059", Shards = 4)]
public partial class Idle059Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_060", Shards = 4)]
public partial class Idle060Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_061", Shards = 4)]
public partial class Idle061Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_062", Shards = 4)]
public partial class Idle062Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_063", Shards = 4)]
public partial class Idle063Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_064", Shards = 4)]
public partial class Idle064Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_065", Shards = 4)]
public partial class Idle065Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_066", Shards = 4)]
public partial class Idle066Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_067", Shards = 4)]
public partial class Idle067Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_068", Shards = 4)]
public partial class Idle068Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_069", Shards = 4)]
public partial class Idle069Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_070", Shards = 4)]
public partial class Idle070Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_071", Shards = 4)]
public partial class Idle071Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_072", Shards = 4)]
public partial class Idle072Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_073", Shards = 4)]
public partial class Idle073Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_074", Shards = 4)]
public partial class Idle074Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_075", Shards = 4)]
public partial class Idle075Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_076", Shards = 4)]
public partial class Idle076Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_077", Shards = 4)]
public partial class Idle077Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_078", Shards = 4)]
public partial class Idle078Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_079", Shards = 4)]
public partial class Idle079Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_080", Shards = 4)]
public partial class Idle080Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_081", Shards = 4)]
public partial class Idle081Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_082", Shards = 4)]
public partial class Idle082Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_083", Shards = 4)]
public partial class Idle083Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_084", Shards = 4)]
public partial class Idle084Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_085", Shards = 4)]
public partial class Idle085Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_086", Shards = 4)]
public partial class Idle086Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_087", Shards = 4)]
public partial class Idle087Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_088", Shards = 4)]
public partial class Idle088Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_089", Shards = 4)]
public partial class Idle089Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_090", Shards = 4)]
public partial class Idle090Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_091", Shards = 4)]
public partial class Idle091Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_092", Shards = 4)]
public partial class Idle092Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_093", Shards = 4)]
public partial class Idle093Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_094", Shards = 4)]
public partial class Idle094Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_095", Shards = 4)]
public partial class Idle095Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_096", Shards = 4)]
public partial class Idle096Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_097", Shards = 4)]
public partial class Idle097Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_098", Shards = 4)]
public partial class Idle098Projection
{
    public static void Handle(Tick tick) => _ = tick;
}

[Projection("idle_099", Shards = 4)]
public partial class Idle099Projection
{
    public static void Handle(Tick tick) => _ = tick;
}
