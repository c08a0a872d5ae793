namespace ProjectionGen;

/// <summary>Names the column of a <see cref="ProjectionRowAttribute"/> row's property, instead of the property name in snake_case.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ProjectionColumnAttribute : Attribute
{
    /// <summary>Names the column: lowercase letters, digits and underscores, starting with a letter or underscore, at most 63 characters.</summary>
    public ProjectionColumnAttribute(string name) => Name = name;

    /// <summary>The column name.</summary>
    public string Name { get; }
}
