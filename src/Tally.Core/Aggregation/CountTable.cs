using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tally.Aggregation;

/// <summary>
/// A map from byte-string keys to checked 64-bit totals: open addressing with linear probing,
/// keys copied once into an arena. One table belongs to one thread at a time; it has no locks.
/// </summary>
/// <remarks>
/// Slots keep the full 32-bit hash so most probes are settled without touching the arena, and a
/// merge or a resize never rehashes a key. The load factor stays at or below one half.
/// Limits: 2^30 slots and 2 GiB of key bytes per table, past which adding throws.
/// </remarks>
public sealed class CountTable
{
    private const int MaxSlots = 1 << 30;

    /// <summary>Smallest slot range worth a task of its own in <see cref="Snapshot(int, int)"/>.</summary>
    /// <remarks>64 Ki slots are 1.5 MiB to scan, far more work than handing a range to the thread pool.</remarks>
    private const int SnapshotMinSlotsPerPart = 1 << 16;

    private Slot[] _slots;
    private int _mask;
    private int _count;
    private byte[] _arena;
    private int _arenaUsed;
    private long _maxTotal;

    /// <summary>Creates a table sized for about <paramref name="capacity"/> keys before it first grows.</summary>
    public CountTable(int capacity = TallyDefaults.InitialTableCapacity)
    {
        int slots = (int)Math.Min(MaxSlots, BitOperationsEx.RoundUpToPowerOf2(Math.Max(16, capacity * 2)));
        _slots = AllocateSlots(slots);
        _mask = slots - 1;
        _arena = new byte[Math.Max(256, capacity * 12)];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public uint Hash;
        public int KeyLength;
        public int KeyOffset;
        public long Total;
    }

    /// <summary>Distinct keys in the table.</summary>
    public int Count => _count;

    /// <summary>The largest total of any key (0 when empty).</summary>
    /// <remarks>
    /// Totals only grow, so the sum of several tables' <c>MaxTotal</c> bounds any key's total over
    /// them: when it fits in a long, those tables can be summed later without an overflow check.
    /// Kept up to date by <see cref="Add(ReadOnlySpan{byte}, long)"/> at the cost of a compare.
    /// </remarks>
    internal long MaxTotal => _maxTotal;

    /// <summary>Bytes the table's slots and key arena take.</summary>
    internal long Footprint => ((long)_slots.Length * Unsafe.SizeOf<Slot>()) + _arena.Length;

    /// <summary>Adds <paramref name="amount"/> (not negative) to the total of <paramref name="key"/>.</summary>
    /// <exception cref="OverflowException">The total would pass <see cref="long.MaxValue"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ReadOnlySpan<byte> key, long amount) => Add(key, KeyHash.Compute(key), amount);

    internal void Add(ReadOnlySpan<byte> key, uint hash, long amount)
    {
        Debug.Assert(hash != 0);
        int index = (int)hash & _mask;
        while (true)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == 0)
            {
                Insert(ref slot, key, hash, amount);
                return;
            }

            if (slot.Hash == hash && slot.KeyLength == key.Length
                && _arena.AsSpan(slot.KeyOffset, slot.KeyLength).SequenceEqual(key))
            {
                long total = slot.Total + amount;
                if (total < 0)
                {
                    ThrowOverflow(key);
                }

                slot.Total = total;
                _maxTotal = Math.Max(_maxTotal, total);
                return;
            }

            index = (index + 1) & _mask;
        }
    }

    [DoesNotReturn]
    internal static void ThrowOverflow(ReadOnlySpan<byte> key)
        => throw new OverflowException($"the total of \"{Parsing.NgramV2Parser.Display(key)}\" passes 2^63-1");

    /// <summary>Asks the processor to bring the slot where a key of <paramref name="hash"/> starts probing into the cache.</summary>
    /// <remarks>A hint only: nothing is read or written, and on processors without a prefetch instruction it does nothing.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe void Prefetch(uint hash)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref _slots[(int)hash & _mask]));
        }
    }

    /// <summary>The total of <paramref name="key"/>, or 0 when absent.</summary>
    public long Get(ReadOnlySpan<byte> key)
    {
        uint hash = KeyHash.Compute(key);
        int index = (int)hash & _mask;
        while (true)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == 0)
            {
                return 0;
            }

            if (slot.Hash == hash && slot.KeyLength == key.Length
                && _arena.AsSpan(slot.KeyOffset, slot.KeyLength).SequenceEqual(key))
            {
                return slot.Total;
            }

            index = (index + 1) & _mask;
        }
    }

    /// <summary>Adds every total of <paramref name="other"/> into this table.</summary>
    /// <exception cref="OverflowException">A total would pass <see cref="long.MaxValue"/>; the table is then partly merged.</exception>
    public void MergeFrom(CountTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (ref readonly Slot slot in other._slots.AsSpan())
        {
            if (slot.Hash != 0)
            {
                Add(other._arena.AsSpan(slot.KeyOffset, slot.KeyLength), slot.Hash, slot.Total);
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> with every key and total, in no particular order.</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<TState> visit) where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(visit);
        foreach (ref readonly Slot slot in _slots.AsSpan())
        {
            if (slot.Hash != 0)
            {
                visit(ref state, _arena.AsSpan(slot.KeyOffset, slot.KeyLength), slot.Total);
            }
        }
    }

    /// <summary>A callback over one entry of a table.</summary>
    public delegate void EntryVisitor<TState>(ref TState state, ReadOnlySpan<byte> key, long total) where TState : allows ref struct;

    /// <summary>Copies the entries out as (key offset, key length, total) into a compact, immutable snapshot.</summary>
    internal (byte[] Keys, int[] Offsets, long[] Totals) Compact()
    {
        var keys = new byte[_arenaUsed];
        var offsets = new int[_count + 1];
        var totals = new long[_count];
        int n = 0;
        int used = 0;
        foreach (ref readonly Slot slot in _slots.AsSpan())
        {
            if (slot.Hash != 0)
            {
                _arena.AsSpan(slot.KeyOffset, slot.KeyLength).CopyTo(keys.AsSpan(used));
                offsets[n] = used;
                totals[n] = slot.Total;
                used += slot.KeyLength;
                n++;
            }
        }

        offsets[n] = used;
        Debug.Assert(n == _count && used == _arenaUsed);
        return (keys, offsets, totals);
    }

    /// <summary>Every entry, in slot order, with its key left where it is in the table's arena.</summary>
    /// <remarks>
    /// No key is copied: <c>Keys</c> is the arena itself. That is safe even if the table is added to
    /// later, because keys are only ever appended past the used length and a grown arena is a new
    /// array, so no byte behind a returned offset is ever written again. The slots are read in
    /// <paramref name="parts"/> ranges on the thread pool (one range runs on the calling thread), on
    /// at most <paramref name="maxThreads"/> threads at once (-1: no limit); the table must not
    /// change during the call.
    /// </remarks>
    internal (byte[] Keys, TableEntry[] Entries) Snapshot(int parts, int maxThreads = -1)
    {
        // Every element is written below (dense, checked by the asserts): no need to zero them first.
        var entries = GC.AllocateUninitializedArray<TableEntry>(_count);
        SnapshotInto(entries, 0, 0, parts, new ParallelOptions { MaxDegreeOfParallelism = maxThreads });
        return (_arena, entries);
    }

    /// <summary>
    /// Every entry of every table: table by table, each in slot order, with the keys copied into one
    /// array. A key present in several tables appears once per table.
    /// </summary>
    /// <remarks>One table is snapshot in place, as <see cref="Snapshot(int, int)"/> does.</remarks>
    /// <exception cref="InvalidOperationException">The tables hold more than 2 GiB of keys or of entries together.</exception>
    internal static (byte[] Keys, TableEntry[] Entries) Snapshot(IReadOnlyList<CountTable> tables, int parts, int maxThreads = -1)
    {
        if (tables.Count == 1)
        {
            return tables[0].Snapshot(parts, maxThreads);
        }

        long keyBytes = 0;
        long count = 0;
        foreach (var table in tables)
        {
            keyBytes += table._arenaUsed;
            count += table._count;
        }

        if (keyBytes > Array.MaxLength || count > Array.MaxLength)
        {
            throw new InvalidOperationException("Tables summed at output hold at most 2 GiB of keys and 2^31 entries together.");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        var keys = GC.AllocateUninitializedArray<byte>((int)keyBytes);
        var entries = GC.AllocateUninitializedArray<TableEntry>((int)count);
        var keyBases = new int[tables.Count];
        var firsts = new int[tables.Count];
        for (int t = 1; t < tables.Count; t++)
        {
            keyBases[t] = keyBases[t - 1] + tables[t - 1]._arenaUsed;
            firsts[t] = firsts[t - 1] + tables[t - 1]._count;
        }

        // Each table's keys go to their own slice of the array, so the copies need no lock.
        Parallel.For(0, tables.Count, parallel, t => tables[t]._arena.AsSpan(0, tables[t]._arenaUsed).CopyTo(keys.AsSpan(keyBases[t])));
        for (int t = 0; t < tables.Count; t++)
        {
            tables[t].SnapshotInto(entries, firsts[t], keyBases[t], parts, parallel);
        }

        return (keys, entries);
    }

    /// <summary>Writes the entries to <paramref name="entries"/> from <paramref name="first"/> on, in slot order, their key offsets moved by <paramref name="keyBase"/>.</summary>
    private void SnapshotInto(TableEntry[] entries, int first, int keyBase, int parts, ParallelOptions parallel)
    {
        parts = Math.Clamp(parts, 1, Math.Max(1, _slots.Length / SnapshotMinSlotsPerPart));
        if (parts == 1)
        {
            int written = CopyEntries(0, _slots.Length, entries, first, keyBase);
            Debug.Assert(written == _count);
            return;
        }

        // Two passes, because entries must be dense and in slot order (so the result is the same
        // for any part count) and a range's first index is known only once the ranges before it
        // are counted. The counting pass reads only the hashes and writes nothing, where
        // per-range lists concatenated afterwards would move every entry twice.
        var counts = new int[parts + 1];
        Parallel.For(0, parts, parallel, part =>
        {
            var (start, end) = PartRange(part, parts);
            int occupied = 0;
            foreach (ref readonly Slot slot in _slots.AsSpan(start, end - start))
            {
                occupied += slot.Hash != 0 ? 1 : 0;
            }

            counts[part + 1] = occupied;
        });

        counts[0] = first;
        for (int part = 0; part < parts; part++)
        {
            counts[part + 1] += counts[part];
        }

        Debug.Assert(counts[parts] == first + _count);
        Parallel.For(0, parts, parallel, part =>
        {
            var (start, end) = PartRange(part, parts);
            int written = CopyEntries(start, end, entries, counts[part], keyBase);
            Debug.Assert(written == counts[part + 1] - counts[part]);
        });
    }

    private (int Start, int End) PartRange(int part, int parts)
        => ((int)((long)_slots.Length * part / parts), (int)((long)_slots.Length * (part + 1) / parts));

    private int CopyEntries(int start, int end, TableEntry[] entries, int first, int keyBase)
    {
        int n = first;
        foreach (ref readonly Slot slot in _slots.AsSpan(start, end - start))
        {
            if (slot.Hash != 0)
            {
                entries[n++] = new TableEntry(keyBase + slot.KeyOffset, slot.KeyLength, slot.Total);
            }
        }

        return n - first;
    }

    private void Insert(ref Slot slot, ReadOnlySpan<byte> key, uint hash, long amount)
    {
        if (_count + 1 > (_slots.Length >> 1))
        {
            Resize();
            InsertNew(key, hash, amount);
            return;
        }

        slot.Hash = hash;
        slot.KeyLength = key.Length;
        slot.KeyOffset = AppendKey(key);
        slot.Total = amount;
        _maxTotal = Math.Max(_maxTotal, amount);
        _count++;
    }

    private void InsertNew(ReadOnlySpan<byte> key, uint hash, long amount)
    {
        int index = (int)hash & _mask;
        while (_slots[index].Hash != 0)
        {
            index = (index + 1) & _mask;
        }

        ref Slot slot = ref _slots[index];
        slot.Hash = hash;
        slot.KeyLength = key.Length;
        slot.KeyOffset = AppendKey(key);
        slot.Total = amount;
        _maxTotal = Math.Max(_maxTotal, amount);
        _count++;
    }

    private int AppendKey(ReadOnlySpan<byte> key)
    {
        if (_arena.Length - _arenaUsed < key.Length)
        {
            long wanted = Math.Max((long)_arena.Length * 2, (long)_arenaUsed + key.Length);
            if (wanted > Array.MaxLength)
            {
                wanted = Array.MaxLength;
                if (wanted - _arenaUsed < key.Length)
                {
                    throw new InvalidOperationException("A count table holds at most 2 GiB of distinct key bytes.");
                }
            }

            Array.Resize(ref _arena, (int)wanted);
        }

        int offset = _arenaUsed;
        key.CopyTo(_arena.AsSpan(offset));
        _arenaUsed += key.Length;
        return offset;
    }

    /// <summary>Allocates slots and writes once to every page of them.</summary>
    /// <remarks>
    /// Probing reads a slot before writing it. On fresh memory that read maps the kernel's shared
    /// zero page, and the first write then copies it and flushes the TLB of every core running
    /// the process: an inter-processor interrupt per 4 KiB page. Measured on the standard set,
    /// those faults were the largest item of system time. A first write to a fresh page needs no flush.
    /// </remarks>
    private static Slot[] AllocateSlots(int count)
    {
        var slots = new Slot[count];
        int perPage = Math.Max(1, Environment.SystemPageSize / Unsafe.SizeOf<Slot>());
        for (int i = 0; i < slots.Length; i += perPage)
        {
            slots[i].Hash = 0;
        }

        return slots;
    }

    private void Resize()
    {
        if (_slots.Length >= MaxSlots)
        {
            throw new InvalidOperationException($"A count table holds at most {MaxSlots / 2:N0} distinct keys.");
        }

        var old = _slots;
        _slots = AllocateSlots(old.Length * 2);
        _mask = _slots.Length - 1;
        foreach (ref readonly Slot slot in old.AsSpan())
        {
            if (slot.Hash != 0)
            {
                int index = (int)slot.Hash & _mask;
                while (_slots[index].Hash != 0)
                {
                    index = (index + 1) & _mask;
                }

                _slots[index] = slot;
            }
        }
    }
}

internal static class BitOperationsEx
{
    public static long RoundUpToPowerOf2(long value) => (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)value);
}
