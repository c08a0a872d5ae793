namespace ProjectionGen.EventStore;

/// <summary>The rules of a tenant id (docs/tenancy.md, "Tenant ids").</summary>
public static class TenantIds
{
    /// <summary>The longest tenant id, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Returns <paramref name="tenantId"/> when it is a valid tenant id: not empty, at most <see cref="MaxLength"/>
    /// characters, without control characters and without leading or trailing white space.
    /// </summary>
    /// <param name="tenantId">The tenant id to check.</param>
    /// <param name="parameterName">The parameter named in the error.</param>
    /// <exception cref="ArgumentException">The id is null, empty, too long, or has control characters or surrounding white space.</exception>
    public static string Validate(string? tenantId, string parameterName = "tenantId")
    {
        if (string.IsNullOrEmpty(tenantId))
        {
            throw new ArgumentException("A tenant id is required and must not be empty (docs/tenancy.md).", parameterName);
        }

        if (tenantId.Length > MaxLength)
        {
            throw new ArgumentException($"A tenant id has at most {MaxLength} characters; this one has {tenantId.Length} (docs/tenancy.md).", parameterName);
        }

        foreach (var c in tenantId)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException("A tenant id must not contain control characters (docs/tenancy.md).", parameterName);
            }
        }

        if (char.IsWhiteSpace(tenantId[0]) || char.IsWhiteSpace(tenantId[^1]))
        {
            throw new ArgumentException($"The tenant id '{tenantId}' starts or ends with white space (docs/tenancy.md).", parameterName);
        }

        return tenantId;
    }
}
