using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ProjectionGen.Generators.Analysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Json;

/// <summary>
/// Reads the System.Text.Json contracts a projection needs: its event and document types and every type their
/// properties reach. A type of a shape this reader does not reproduce exactly keeps the options' own resolver
/// (reflection, or the application's context) and is listed as a fallback with the reason (docs/generator.md).
/// </summary>
internal static class JsonContractReader
{
    private const string JsonAttributeName = "System.Text.Json.Serialization.JsonAttribute";
    private const string JsonPropertyNameAttributeName = "System.Text.Json.Serialization.JsonPropertyNameAttribute";

    private static readonly Dictionary<SpecialType, string> SpecialConverters = new()
    {
        [SpecialType.System_Boolean] = "BooleanConverter",
        [SpecialType.System_Byte] = "ByteConverter",
        [SpecialType.System_SByte] = "SByteConverter",
        [SpecialType.System_Int16] = "Int16Converter",
        [SpecialType.System_UInt16] = "UInt16Converter",
        [SpecialType.System_Int32] = "Int32Converter",
        [SpecialType.System_UInt32] = "UInt32Converter",
        [SpecialType.System_Int64] = "Int64Converter",
        [SpecialType.System_UInt64] = "UInt64Converter",
        [SpecialType.System_Single] = "SingleConverter",
        [SpecialType.System_Double] = "DoubleConverter",
        [SpecialType.System_Decimal] = "DecimalConverter",
        [SpecialType.System_Char] = "CharConverter",
        [SpecialType.System_String] = "StringConverter",
        [SpecialType.System_DateTime] = "DateTimeConverter",
    };

    /// <summary>
    /// Framework types that reflection serializes through a converter of its own, by fully qualified name, with the
    /// <c>JsonMetadataServices</c> property that holds the same converter.
    /// </summary>
    private static readonly Dictionary<string, string> FrameworkConverters = new(StringComparer.Ordinal)
    {
        ["global::System.Guid"] = "GuidConverter",
        ["global::System.DateTimeOffset"] = "DateTimeOffsetConverter",
        ["global::System.DateOnly"] = "DateOnlyConverter",
        ["global::System.TimeOnly"] = "TimeOnlyConverter",
        ["global::System.TimeSpan"] = "TimeSpanConverter",
        ["global::System.Half"] = "HalfConverter",
        ["global::System.Int128"] = "Int128Converter",
        ["global::System.UInt128"] = "UInt128Converter",
        ["global::System.Version"] = "VersionConverter",
        ["global::System.Uri"] = "UriConverter",
        ["byte[]"] = "ByteArrayConverter",
        ["global::System.Memory<byte>"] = "MemoryByteConverter",
        ["global::System.ReadOnlyMemory<byte>"] = "ReadOnlyMemoryByteConverter",
        ["global::System.Text.Json.JsonElement"] = "JsonElementConverter",
        ["global::System.Text.Json.JsonDocument"] = "JsonDocumentConverter",
        ["global::System.Text.Json.Nodes.JsonNode"] = "JsonNodeConverter",
        ["global::System.Text.Json.Nodes.JsonObject"] = "JsonObjectConverter",
        ["global::System.Text.Json.Nodes.JsonArray"] = "JsonArrayConverter",
        ["global::System.Text.Json.Nodes.JsonValue"] = "JsonValueConverter",
    };

    /// <summary>The contracts of <paramref name="projection"/>, or null when the projection is not generated.</summary>
    public static JsonContractSet? Read(INamedTypeSymbol projection, ProjectionModel? model, CancellationToken cancellationToken)
    {
        if (model is null)
        {
            return null;
        }

        var roots = Roots(projection, model);
        var (types, fallbacks) = ReadClosure(roots, projection.ContainingAssembly, cancellationToken);
        return new JsonContractSet(
            new JsonProjectionRef(model.Namespace, model.ClassName, model.ContainingTypes, model.TypeKeyword),
            new EquatableArray<JsonTypeModel>(types),
            new EquatableArray<JsonFallback>(fallbacks));
    }

    /// <summary>The contracts of the old event types that the upcasters of one <c>[EventUpcasters]</c> class read.</summary>
    public static EquatableArray<JsonTypeModel> ReadUpcasterSources(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var inspection = UpcasterInspector.Inspect(type, cancellationToken);
        var roots = inspection.Upcasters
            .Where(u => !u.Model.FromJson && u.Method.Parameters.Length > 0)
            .Select(u => u.Method.Parameters[0].Type);
        var (types, _) = ReadClosure(roots, type.ContainingAssembly, cancellationToken);
        return new EquatableArray<JsonTypeModel>(types);
    }

    /// <summary>The handled event types and the document type, found as symbols among the projection's signatures.</summary>
    private static List<ITypeSymbol> Roots(INamedTypeSymbol projection, ProjectionModel model)
    {
        var byName = new Dictionary<string, ITypeSymbol>(StringComparer.Ordinal);
        for (var type = projection; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
        {
            foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            {
                foreach (var parameter in method.Parameters)
                {
                    Collect(parameter.Type, byName);
                }

                Collect(method.ReturnType, byName);
            }
        }

        var wanted = model.EventTypes.ToList();
        if (model.DocumentType is not null)
        {
            wanted.Add(model.DocumentType);
        }

        var roots = new List<ITypeSymbol>();
        foreach (var name in wanted)
        {
            if (byName.TryGetValue(name, out var symbol))
            {
                roots.Add(symbol);
            }
        }

        return roots;
    }

    private static void Collect(ITypeSymbol type, Dictionary<string, ITypeSymbol> byName)
    {
        var name = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeFacts.QualifiedFormat);
        if (byName.ContainsKey(name))
        {
            return;
        }

        byName[name] = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (type is INamedTypeSymbol named)
        {
            foreach (var argument in named.TypeArguments)
            {
                Collect(argument, byName);
            }
        }
        else if (type is IArrayTypeSymbol array)
        {
            Collect(array.ElementType, byName);
        }
    }

    /// <summary>Contracts for <paramref name="roots"/> and every type they reach, and the types left to the options' resolver.</summary>
    public static (List<JsonTypeModel> Types, List<JsonFallback> Fallbacks) ReadClosure(IEnumerable<ITypeSymbol> roots, IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        var types = new List<JsonTypeModel>();
        var fallbacks = new List<JsonFallback>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<ITypeSymbol>(roots);
        while (queue.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var type = queue.Dequeue().WithNullableAnnotation(NullableAnnotation.NotAnnotated);
            var name = type.ToDisplayString(TypeFacts.QualifiedFormat);
            if (!seen.Add(name))
            {
                continue;
            }

            var reached = new List<ITypeSymbol>();
            var model = Describe(type, name, assembly, reached, out var reason);
            if (model is null)
            {
                if (reason is not null)
                {
                    fallbacks.Add(new JsonFallback(type.ToDisplayString(TypeFacts.MessageFormat), reason));
                }

                continue;
            }

            types.Add(model);
            foreach (var next in reached)
            {
                queue.Enqueue(next);
            }
        }

        types.Sort((a, b) => string.CompareOrdinal(a.Type, b.Type));
        return (types, fallbacks);
    }

    private static JsonTypeModel? Describe(ITypeSymbol type, string name, IAssemblySymbol assembly, List<ITypeSymbol> reached, out string? reason)
    {
        reason = null;
        if (type.SpecialType == SpecialType.System_Object || type.TypeKind is TypeKind.Dynamic or TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.TypeParameter or TypeKind.Error)
        {
            reason = "its contract depends on the runtime type (object, dynamic) or the type is not a concrete one";
            return null;
        }

        if (!IsAccessible(type, assembly))
        {
            reason = "generated code cannot refer to it (not public or internal to this assembly)";
            return null;
        }

        var empty = new EquatableArray<JsonPropertyModel>(Array.Empty<JsonPropertyModel>());
        var noParameters = new EquatableArray<JsonParameterModel>(Array.Empty<JsonParameterModel>());
        if (SpecialConverters.TryGetValue(type.SpecialType, out var special))
        {
            return new JsonTypeModel(name, JsonTypeKind.Value, special, null, empty, noParameters);
        }

        if (FrameworkConverters.TryGetValue(name, out var converter))
        {
            return new JsonTypeModel(name, JsonTypeKind.Value, converter, null, empty, noParameters);
        }

        if (HasJsonAttribute(type.GetAttributes(), allowPropertyName: false))
        {
            reason = "it carries a System.Text.Json attribute (a converter, polymorphism or other settings)";
            return null;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return new JsonTypeModel(name, JsonTypeKind.Enum, null, null, empty, noParameters);
        }

        if (type is IArrayTypeSymbol array)
        {
            if (!array.IsSZArray)
            {
                reason = "multi-dimensional arrays are not supported by System.Text.Json";
                return null;
            }

            reached.Add(array.ElementType);
            return new JsonTypeModel(name, JsonTypeKind.Array, null, Qualified(array.ElementType), empty, noParameters);
        }

        if (type is not INamedTypeSymbol named)
        {
            reason = "it is not a named type";
            return null;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            var underlying = named.TypeArguments[0];
            if (underlying.TypeKind != TypeKind.Enum && !SpecialConverters.ContainsKey(underlying.SpecialType)
                && !FrameworkConverters.ContainsKey(Qualified(underlying)))
            {
                reason = "a nullable struct other than a built-in value or an enum";
                return null;
            }

            reached.Add(underlying);
            return new JsonTypeModel(name, JsonTypeKind.Nullable, null, Qualified(underlying), empty, noParameters);
        }

        var definition = named.OriginalDefinition.ToDisplayString();
        if (definition == "System.Collections.Generic.List<T>")
        {
            reached.Add(named.TypeArguments[0]);
            return new JsonTypeModel(name, JsonTypeKind.List, null, Qualified(named.TypeArguments[0]), empty, noParameters);
        }

        if (definition == "System.Collections.Generic.Dictionary<TKey, TValue>")
        {
            if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
            {
                reason = "a dictionary whose keys are not strings";
                return null;
            }

            reached.Add(named.TypeArguments[1]);
            return new JsonTypeModel(name, JsonTypeKind.Dictionary, null, Qualified(named.TypeArguments[1]), empty, noParameters);
        }

        if (IsFrameworkType(named))
        {
            reason = "a framework type (System.*, Microsoft.*) the generator has no converter for: reflection may serialize it with a converter of its own, not as a plain object";
            return null;
        }

        return DescribeObject(named, name, assembly, reached, out reason);
    }

    /// <summary>Whether <paramref name="type"/> is declared in a <c>System</c> or <c>Microsoft</c> namespace.</summary>
    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        var root = type.ContainingNamespace;
        while (root is { ContainingNamespace.IsGlobalNamespace: false })
        {
            root = root.ContainingNamespace;
        }

        return root is { IsGlobalNamespace: false, Name: "System" or "Microsoft" };
    }

    private static JsonTypeModel? DescribeObject(INamedTypeSymbol type, string name, IAssemblySymbol assembly, List<ITypeSymbol> reached, out string? reason)
    {
        reason = null;
        var isStruct = type.TypeKind == TypeKind.Struct;
        if ((type.TypeKind != TypeKind.Class && !isStruct) || type.IsAbstract || type.IsStatic || type.IsRefLikeType)
        {
            reason = "only concrete classes and structs get generated contracts";
            return null;
        }

        // The class and its base classes, most derived first: reflection lists properties in that order.
        var hierarchy = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            if (!SymbolEqualityComparer.Default.Equals(current, type) && (HasJsonAttribute(current.GetAttributes(), allowPropertyName: false) || !IsAccessible(current, assembly)))
            {
                reason = $"its base class {current.Name} carries a System.Text.Json attribute or is not accessible";
                return null;
            }

            hierarchy.Add(current);
        }

        if (type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() is "System.Collections.IEnumerable"))
        {
            reason = "a collection type other than an array, List<T> or Dictionary<string, T>";
            return null;
        }

        var members = hierarchy.SelectMany(t => t.GetMembers()).ToList();
        if (members.OfType<IFieldSymbol>().Any(f => !f.IsStatic && !f.IsImplicitlyDeclared && f.DeclaredAccessibility == Accessibility.Public))
        {
            reason = "it has public fields (serialized only with IncludeFields)";
            return null;
        }

        var properties = new List<(IPropertySymbol Symbol, JsonPropertyModel Model)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in members.OfType<IPropertySymbol>())
        {
            if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            if (!names.Add(property.Name))
            {
                // An override or a hiding property of a derived class: reflection keeps the most derived one.
                continue;
            }

            var getterPublic = property.GetMethod is { DeclaredAccessibility: Accessibility.Public };
            var setterPublic = property.SetMethod is { DeclaredAccessibility: Accessibility.Public };
            if (!getterPublic)
            {
                if (setterPublic)
                {
                    reason = $"property {property.Name} has a public setter without a public getter";
                    return null;
                }

                continue;
            }

            if (property.IsRequired || property.ReturnsByRef || property.ReturnsByRefReadonly)
            {
                reason = $"property {property.Name} is required or returns by reference";
                return null;
            }

            if (HasJsonAttribute(property.GetAttributes(), allowPropertyName: true))
            {
                reason = $"property {property.Name} carries a System.Text.Json attribute other than [JsonPropertyName]";
                return null;
            }

            if (!IsAccessible(property.Type, assembly))
            {
                reason = $"the type of property {property.Name} is not accessible to generated code";
                return null;
            }

            var jsonName = property.GetAttributes()
                .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == JsonPropertyNameAttributeName)?
                .ConstructorArguments.FirstOrDefault().Value as string;
            var isInit = property.SetMethod is { IsInitOnly: true };
            properties.Add((property, new JsonPropertyModel(
                TypeFacts.EscapedName(property),
                property.Name,
                Qualified(property.Type),
                jsonName,
                setterPublic,
                setterPublic && isInit,
                property.IsVirtual || property.IsOverride || property.IsAbstract,
                Qualified(property.ContainingType))));
            reached.Add(property.Type);
        }

        var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        if (type.InstanceConstructors.Any(c => HasJsonAttribute(c.GetAttributes(), allowPropertyName: false)))
        {
            reason = "a constructor carries [JsonConstructor]";
            return null;
        }

        var parameters = new List<JsonParameterModel>();
        var bound = new HashSet<string>(StringComparer.Ordinal);
        // Reflection makes a struct as default(T) (or through its parameterless constructor) and sets its properties; it
        // takes a struct's parameterized constructor only with [JsonConstructor], which is left to it above.
        if (!isStruct && !constructors.Any(c => c.Parameters.Length == 0))
        {
            if (constructors.Count != 1)
            {
                reason = "it has no public parameterless constructor and not exactly one public constructor";
                return null;
            }

            foreach (var parameter in constructors[0].Parameters)
            {
                if (HasJsonAttribute(parameter.GetAttributes(), allowPropertyName: false) || parameter.RefKind != RefKind.None)
                {
                    reason = $"constructor parameter {parameter.Name} carries a System.Text.Json attribute or is passed by reference";
                    return null;
                }

                var match = properties.FirstOrDefault(p => string.Equals(p.Symbol.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (match.Symbol is null || !SymbolEqualityComparer.Default.Equals(match.Symbol.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                {
                    reason = $"constructor parameter {parameter.Name} matches no public property of the same type";
                    return null;
                }

                string? defaultValue = null;
                if (parameter.HasExplicitDefaultValue && !TryDefaultLiteral(parameter.Type, parameter.ExplicitDefaultValue, out defaultValue))
                {
                    reason = $"constructor parameter {parameter.Name} has a default value the generator does not write";
                    return null;
                }

                bound.Add(match.Symbol.Name);
                parameters.Add(new JsonParameterModel(
                    parameter.Name,
                    Qualified(parameter.Type),
                    !parameter.Type.IsValueType || parameter.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T,
                    defaultValue));
            }
        }

        if (type.IsGenericType && properties.Any(p => p.Model.IsInitOnly))
        {
            reason = "a generic type with init-only properties";
            return null;
        }

        return new JsonTypeModel(
            name,
            isStruct ? JsonTypeKind.Struct : JsonTypeKind.Object,
            null,
            null,
            new EquatableArray<JsonPropertyModel>(properties.Select(p => p.Model)),
            new EquatableArray<JsonParameterModel>(parameters));
    }

    private static bool TryDefaultLiteral(ITypeSymbol type, object? value, out string? literal)
    {
        var qualified = Qualified(type);
        literal = null;
        if (value is null)
        {
            literal = type.IsValueType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? $"default({qualified})" : "null";
            return true;
        }

        var target = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
        switch (value)
        {
            case string or char or bool:
                literal = SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false);
                return true;
            case decimal d:
                literal = d.ToString(CultureInfo.InvariantCulture) + "m";
                return true;
            case float f when !float.IsNaN(f) && !float.IsInfinity(f):
                literal = f.ToString("R", CultureInfo.InvariantCulture) + "f";
                return true;
            case double x when !double.IsNaN(x) && !double.IsInfinity(x):
                literal = x.ToString("R", CultureInfo.InvariantCulture) + "d";
                return true;
            case byte or sbyte or short or ushort or int or uint or long or ulong:
                literal = $"({Qualified(target)})({Convert.ToString(value, CultureInfo.InvariantCulture)})";
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether any attribute derives from <c>JsonAttribute</c> (apart from <c>[JsonPropertyName]</c> when allowed).</summary>
    private static bool HasJsonAttribute(IEnumerable<AttributeData> attributes, bool allowPropertyName)
    {
        foreach (var attribute in attributes)
        {
            for (var type = attribute.AttributeClass; type is not null; type = type.BaseType)
            {
                var display = type.ToDisplayString();
                if (allowPropertyName && display == JsonPropertyNameAttributeName)
                {
                    break;
                }

                if (display == JsonAttributeName)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether generated code in <paramref name="assembly"/> may name <paramref name="type"/>.</summary>
    private static bool IsAccessible(ITypeSymbol type, IAssemblySymbol assembly)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return IsAccessible(array.ElementType, assembly);
            case INamedTypeSymbol named:
                for (var current = named; current is not null; current = current.ContainingType)
                {
                    var ok = current.DeclaredAccessibility == Accessibility.Public
                        || (current.DeclaredAccessibility is Accessibility.Internal or Accessibility.ProtectedOrInternal
                            && SymbolEqualityComparer.Default.Equals(current.ContainingAssembly, assembly));
                    if (!ok)
                    {
                        return false;
                    }
                }

                return named.TypeArguments.All(argument => IsAccessible(argument, assembly));
            default:
                return false;
        }
    }

    private static string Qualified(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeFacts.QualifiedFormat);
}
