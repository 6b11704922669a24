namespace Tally.Aggregation;

/// <summary>One entry of a <see cref="CountTable"/> snapshot: where its key lies in the key bytes, and its total.</summary>
/// <param name="KeyOffset">Index of the key's first byte in the snapshot's key array.</param>
/// <param name="KeyLength">Bytes in the key.</param>
/// <param name="Total">The key's total.</param>
internal readonly record struct TableEntry(int KeyOffset, int KeyLength, long Total);
