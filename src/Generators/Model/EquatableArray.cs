using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace ProjectionGen.Generators.Model;

/// <summary>
/// An immutable array compared by its elements, so that pipeline models holding lists stay value-equatable and the
/// incremental generator can cache them.
/// </summary>
/// <typeparam name="T">The element type; itself compared by value (records, strings, enums).</typeparam>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
{
    private readonly T[]? _items;

    /// <summary>Wraps <paramref name="items"/> (copied).</summary>
    public EquatableArray(IEnumerable<T> items) => _items = items.ToArray();

    /// <summary>The number of elements.</summary>
    public int Count => _items?.Length ?? 0;

    /// <summary>The element at <paramref name="index"/>.</summary>
    public T this[int index] => (_items ?? Array.Empty<T>())[index];

    /// <summary>The elements as an immutable array.</summary>
    public ImmutableArray<T> AsImmutableArray() => _items is null ? ImmutableArray<T>.Empty : ImmutableArray.Create(_items);

    /// <inheritdoc/>
    public bool Equals(EquatableArray<T> other) =>
        (_items ?? Array.Empty<T>()).SequenceEqual(other._items ?? Array.Empty<T>(), EqualityComparer<T>.Default);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = 17;
        foreach (var item in _items ?? Array.Empty<T>())
        {
            hash = unchecked((hash * 31) + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item)));
        }

        return hash;
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Compares by elements.</summary>
    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    /// <summary>Compares by elements.</summary>
    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);
}
