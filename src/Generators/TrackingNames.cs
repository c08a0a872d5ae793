namespace ProjectionGen.Generators;

/// <summary>Names of the generator's pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    /// <summary>The per-projection model.</summary>
    public const string Projection = nameof(Projection);

    /// <summary>A projection's model with the stored names that the compilation's upcasters convert into its handled types.</summary>
    public const string ProjectionSource = nameof(ProjectionSource);

    /// <summary>A projection's fully qualified name, for the registration.</summary>
    public const string RegisteredName = nameof(RegisteredName);

    /// <summary>The sorted list of every projection for the registration file.</summary>
    public const string Registration = nameof(Registration);

    /// <summary>The upcasters of one <c>[EventUpcasters]</c> class.</summary>
    public const string Upcasters = nameof(Upcasters);

    /// <summary>Every upcaster of the compilation, checked and ordered, for the upcaster registration file.</summary>
    public const string UpcasterRegistration = nameof(UpcasterRegistration);

    /// <summary>The System.Text.Json contracts one projection needs (docs/generator.md, JSON contracts).</summary>
    public const string JsonContracts = nameof(JsonContracts);

    /// <summary>The System.Text.Json contracts of the old types one <c>[EventUpcasters]</c> class reads.</summary>
    public const string UpcasterJsonContracts = nameof(UpcasterJsonContracts);

    /// <summary>Every projection's contracts, merged, for the resolver file.</summary>
    public const string JsonContractRegistration = nameof(JsonContractRegistration);
    /// <summary>The model of one <c>[ProjectionRow]</c> type.</summary>
    public const string Row = nameof(Row);
}
