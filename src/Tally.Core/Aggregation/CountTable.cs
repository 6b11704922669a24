using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tally.Aggregation;

/// <summary>
/// A map from byte-string keys to checked 64-bit totals: open addressing with linear probing over
/// an arena of entries. One table belongs to one thread at a time; it has no locks.
/// </summary>
/// <remarks>
/// <para>
/// Each key is appended once to the arena as a record, <c>[total: 8][hash: 4][length: 4][key]</c>;
/// a slot holds only the key's 32-bit hash and its record's offset. A probe is settled by the
/// hash without touching the arena in all but rare collisions, and a hit updates the total next
/// to the key it has just compared. A resize moves 8-byte slots and never rehashes a key.
/// </para>
/// <para>
/// Keeping the entries in the arena, not in the slots, makes them a sequence in insertion order:
/// listing, merging and serialising walk memory front to back instead of jumping through a
/// half-empty slot array, and, because Ngram files are sorted, a worker's table lists its keys
/// almost in order, which the sorted output's sort and its key reads profit from. Measured on the
/// standard set: see docs/benchmarks.md. Slots are a third of the size they were with the entry in
/// them (8 bytes, not 24), so the table's probed memory is too.
/// </para>
/// <para>
/// The load factor stays at or below one half. Limits: 2^30 slots and 2 GiB of records (keys plus
/// 16 bytes each) per table, past which adding throws.
/// </para>
/// </remarks>
public sealed class CountTable
{
    private const int MaxSlots = 1 << 30;

    /// <summary>Bytes before each key in its record: total, hash, length.</summary>
    private const int Header = 16;

    /// <summary>Records per segment: the offset of every segment's first record is kept, so a listing can start mid-arena.</summary>
    /// <remarks>16 Ki records are some 400 KB of arena: work worth a task in a parallel listing, and 4 bytes of index per 16 Ki keys.</remarks>
    private const int SegmentRecords = 1 << 14;

    private Slot[] _slots;
    private int _mask;
    private int _count;
    private byte[] _arena;
    private int _arenaUsed;
    private long _maxTotal;

    /// <summary>
    /// Whether the records have no slots yet (<see cref="Unindexed"/>): <see cref="_slots"/> is then
    /// two empty slots, so the first insert finds no room and builds the index (a cold path), and
    /// <see cref="Get"/> builds it first.
    /// </summary>
    private bool _unindexed;

    /// <summary>Arena offset of record <c>i * SegmentRecords</c>, for every segment begun.</summary>
    private readonly List<int> _segments = [];

    /// <summary>Creates a table sized for about <paramref name="capacity"/> keys before it first grows.</summary>
    public CountTable(int capacity = TallyDefaults.InitialTableCapacity)
    {
        int slots = (int)Math.Min(MaxSlots, BitOperationsEx.RoundUpToPowerOf2(Math.Max(16, capacity * 2)));
        _slots = AllocateSlots(slots);
        _mask = slots - 1;
        _arena = Platform.LargeArrays.Uninitialized<byte>(Math.Max(256, capacity * (Header + 12)));
    }

    /// <summary>
    /// An empty table to be filled through <see cref="AppendUnique"/> with keys known to be distinct,
    /// about <paramref name="keys"/> of them, whose slots are built only if it is ever looked up.
    /// </summary>
    /// <remarks>
    /// Why: a table decoded from the wire (a cluster node's, a worker process's, a checkpoint's) is
    /// mostly only read: folded into another table or listed for the sorted output, which walk the
    /// records and never probe. Its keys are distinct already, so filling slots for it was a hash
    /// table insert per key, with a cache miss each, for nothing: the largest item of the cluster
    /// coordinator's CPU. If it is looked up or added to after all (the reducer adopts the largest
    /// table and folds the others into it), the index is built then, one probe per key and no key
    /// compared.
    /// </remarks>
    internal static CountTable Unindexed(int keys)
        => new(Platform.LargeArrays.Uninitialized<byte>((int)Math.Min(Array.MaxLength, Math.Max(256L, (long)keys * (Header + 12)))));

    private CountTable(byte[] arena)
    {
        _slots = new Slot[2];
        _mask = 1;
        _arena = arena;
        _unindexed = true;
    }

    /// <summary>Adds a key not yet in the table, with its hash, without looking it up: for <see cref="Unindexed"/> tables only.</summary>
    internal void AppendUnique(ReadOnlySpan<byte> key, uint hash, long amount)
    {
        Debug.Assert(_unindexed && hash != 0 && amount >= 0);
        AppendRecord(key, hash, amount);
    }

    /// <summary>A table for one source of <paramref name="storedLength"/> bytes (null when unknown): no bigger to start with than the source could fill.</summary>
    /// <remarks>
    /// A row takes at least <see cref="TallyDefaults.MinBytesPerKey"/> stored bytes, so a small file
    /// gets a small table: 20,000 one-row files took 1.5 GB when every table started at
    /// <see cref="TallyDefaults.InitialTableCapacity"/> keys (700 KB of slots and arena each).
    /// A large source starts at the full capacity and grows as before.
    /// </remarks>
    internal static CountTable ForSource(long? storedLength)
        => new(storedLength is { } length ? (int)Math.Clamp(length / TallyDefaults.MinBytesPerKey, 8, TallyDefaults.InitialTableCapacity) : TallyDefaults.InitialTableCapacity);

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        /// <summary>The key's hash; 0 marks an empty slot (<see cref="KeyHash"/> never gives 0).</summary>
        public uint Hash;

        /// <summary>Where the key's record starts in the arena.</summary>
        public int Record;
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

    /// <summary>Bytes the table's slots and arena take.</summary>
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

            if (slot.Hash == hash && KeyAt(slot.Record).SequenceEqual(key))
            {
                long sum = TotalAt(slot.Record) + amount;
                if (sum < 0)
                {
                    ThrowOverflow(key);
                }

                // Records are packed, so a total is rarely 8-byte aligned: unaligned access is
                // fine on x64 and arm64, and the header keeps it in the key's cache line.
                Unsafe.WriteUnaligned(ref _arena[slot.Record], sum);
                _maxTotal = Math.Max(_maxTotal, sum);
                return;
            }

            index = (index + 1) & _mask;
        }
    }

    [DoesNotReturn]
    internal static void ThrowOverflow(ReadOnlySpan<byte> key)
        => throw new OverflowException($"the total of \"{Formats.KeyText.Display(key)}\" passes 2^63-1");

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
        if (_unindexed)
        {
            BuildIndex();
        }

        int record = Find(key, KeyHash.Compute(key));
        return record < 0 ? 0 : TotalAt(record);
    }

    /// <summary>Adds every total of <paramref name="other"/> into this table.</summary>
    /// <exception cref="OverflowException">A total would pass <see cref="long.MaxValue"/>; the table is then partly merged.</exception>
    public void MergeFrom(CountTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Reserve([other]);

        // Each insert probes a random slot: a cache miss (and often a TLB miss) that the merge
        // would otherwise wait out key by key. The other table's records carry their hashes, so
        // the slot of the key a few records on is asked for while this one is added.
        const int Ahead = 8;
        int ahead = 0;
        for (int i = 0; i < Ahead && ahead < other._arenaUsed; i++)
        {
            Prefetch(other.HashAt(ahead));
            ahead = other.Next(ahead);
        }

        for (int record = 0; record < other._arenaUsed; record = other.Next(record))
        {
            if (ahead < other._arenaUsed)
            {
                Prefetch(other.HashAt(ahead));
                ahead = other.Next(ahead);
            }

            Add(other.KeyAt(record), other.HashAt(record), other.TotalAt(record));
        }
    }

    /// <summary>Makes room for the keys of <paramref name="others"/> that are new here, to be merged in without growing the table on the way.</summary>
    /// <remarks>
    /// Why: a merge into a table that grows as it goes doubles its slots and arena again and
    /// again, each time into fresh memory that is copied to, faulted in page by page, and thrown
    /// away at the next doubling. Measured folding six tables of 1.2 M distinct keys each, the
    /// growth was most of the fold.
    /// <para>
    /// How many keys are new is estimated from a sample of the others' keys looked up here
    /// (<see cref="NewKeys"/>): Ngram files split the keys between them, so their tables share
    /// almost none, while files of the same keys (years, shards, one corpus counted twice) share
    /// almost all. Room for every key being new doubled the slots of a table of 7.1 M keys, and
    /// moved each of them, for a table of keys it already held: 256 MB faulted in and half a second
    /// on one core at a job's end. An estimate that falls short costs only a growth on the way.
    /// The arena's new room is not written until used, so unused room is never paged in.
    /// </para>
    /// </remarks>
    internal void Reserve(IEnumerable<CountTable> others)
    {
        long keys = 0;
        long arenaBytes = 0;
        foreach (var other in others)
        {
            keys += other._count;
            arenaBytes += other._arenaUsed;
        }

        if (HasRoom(keys, arenaBytes))
        {
            // Room even if every key is new: no sample needed (the reducer reserves for all the
            // tables it folds, then each merge asks again for its own).
            return;
        }

        long fresh = NewKeys(others, keys);
        Reserve(fresh, keys == 0 ? 0 : (long)(arenaBytes * ((double)fresh / keys)));
    }

    /// <summary>Whether <paramref name="keys"/> keys of <paramref name="arenaBytes"/> bytes fit in the slots and arena as they are.</summary>
    private bool HasRoom(long keys, long arenaBytes)
        => !_unindexed && ((long)_count + keys + 1) * 2 <= _slots.Length && _arena.Length - _arenaUsed >= arenaBytes;

    /// <summary>About how many of the <paramref name="keys"/> keys of <paramref name="others"/> are not in this table, erring high.</summary>
    /// <remarks>
    /// About <see cref="SampleKeys"/> keys of each table are looked up here: a few at the start of
    /// each of its segments, so the sample spans the table (tables are filled in file order, and
    /// files are often sorted). At least one a segment: a table of more than 512 segments (8 M
    /// keys) gives one key per 16 Ki, still a small cost next to its merge. The new fraction
    /// found, plus a margin of 1/16 of the keys, is the estimate; a table without an index yet (one
    /// adopted from the wire) is not sampled, since building its index for that would be the work
    /// saved: every key is taken as new, as before.
    /// </remarks>
    private long NewKeys(IEnumerable<CountTable> others, long keys)
    {
        if (_count == 0 || _unindexed || keys == 0)
        {
            return keys;
        }

        int sampled = 0;
        int found = 0;
        foreach (var other in others)
        {
            int perSegment = Math.Max(1, SampleKeys / Math.Max(1, other._segments.Count));
            foreach (int start in other._segments)
            {
                int record = start;
                for (int i = 0; i < perSegment && record < other._arenaUsed; i++, record = other.Next(record))
                {
                    sampled++;
                    found += Find(other.KeyAt(record), other.HashAt(record)) >= 0 ? 1 : 0;
                }
            }
        }

        if (sampled == 0)
        {
            return keys;
        }

        double newFraction = (double)(sampled - found) / sampled;
        return Math.Min(keys, (long)Math.Ceiling(keys * newFraction) + (keys / 16) + 16);
    }

    /// <summary>Keys of each table looked up by <see cref="NewKeys"/> (more for a table of more segments): a fraction's error of about 1/sqrt(512), some 4%, well inside its margin of 1/16.</summary>
    private const int SampleKeys = 512;

    /// <summary>The record of <paramref name="key"/> (of hash <paramref name="hash"/>), or -1 when absent; the table must have its index.</summary>
    private int Find(ReadOnlySpan<byte> key, uint hash)
    {
        Debug.Assert(!_unindexed);
        int index = (int)hash & _mask;
        while (true)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Hash == 0)
            {
                return -1;
            }

            if (slot.Hash == hash && KeyAt(slot.Record).SequenceEqual(key))
            {
                return slot.Record;
            }

            index = (index + 1) & _mask;
        }
    }

    /// <summary>As <see cref="Reserve(IEnumerable{CountTable})"/>, for <paramref name="keys"/> new keys of <paramref name="arenaBytes"/> bytes of records.</summary>
    private void Reserve(long keys, long arenaBytes)
    {
        long wanted = BitOperationsEx.RoundUpToPowerOf2(Math.Max(16L, ((long)_count + keys + 1) * 2));
        if (_unindexed)
        {
            BuildIndex(Math.Min(wanted, MaxSlots));
        }
        else if (wanted > _slots.Length && _slots.Length < MaxSlots)
        {
            Rehash((int)Math.Min(wanted, MaxSlots));
        }

        if (_arena.Length - _arenaUsed < arenaBytes)
        {
            // Twice the room asked for: a table folded into once is usually folded into again (the
            // reducer folds as tables arrive, and the result once more for the count, the top and
            // lookups), and room made exactly meant copying the whole arena into fresh memory at
            // every fold. Room not written is never paged in, so the extra costs address space only.
            // Measured on the cluster's "six large" set (7.1 M keys): see docs/benchmarks.md.
            GrowArena(Math.Min(Array.MaxLength, 2 * (_arenaUsed + arenaBytes)));
        }
    }

    /// <summary>Calls <paramref name="visit"/> with every key and total, in the order the keys were first added.</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<TState> visit) where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(visit);
        for (int record = 0; record < _arenaUsed; record = Next(record))
        {
            visit(ref state, KeyAt(record), TotalAt(record));
        }
    }

    /// <summary>A callback over one entry of a table.</summary>
    public delegate void EntryVisitor<TState>(ref TState state, ReadOnlySpan<byte> key, long total) where TState : allows ref struct;

    /// <summary>Every key and total, in the order the keys were first added, each key read in place in the arena.</summary>
    /// <remarks>
    /// Copies nothing. The table must not change during the walk; the keys given out stay valid
    /// after, for the reasons <see cref="Snapshot(int, int)"/> gives: a key's bytes never move or change.
    /// </remarks>
    internal IEnumerable<Output.KeyTotal> Entries()
    {
        var arena = _arena;
        int used = _arenaUsed;
        for (int record = 0; record < used;)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(arena.AsSpan(record + 12));
            yield return new Output.KeyTotal(arena.AsMemory(record + Header, length), Unsafe.ReadUnaligned<long>(ref arena[record]));
            record += Header + length;
        }
    }

    /// <summary>The <paramref name="n"/> entries with the largest totals, largest first; among equal totals, the earlier key in byte order first.</summary>
    /// <remarks>
    /// <para>
    /// Why not a heap over <see cref="Entries"/>: that walk hands every entry through two iterators
    /// and a comparer, and cost 0.25 s for the 7.1 M keys of the cluster's "six large" set, after the
    /// count, with the other cores idle (a third of a second in a seven-second count). Here the
    /// heap holds records' offsets, and an entry whose total is below the heap's smallest, nearly
    /// every entry once the heap is full, is passed over on its total alone, read in place.
    /// </para>
    /// <para>
    /// The keys given out are the arena's own bytes, which stay valid for the reasons
    /// <see cref="Snapshot(int, int)"/> gives. The table must not change during the call. The heap
    /// grows as it fills, so a huge <paramref name="n"/> takes no more memory than the keys there are.
    /// </para>
    /// </remarks>
    internal Output.KeyTotal[] Top(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0 || _count == 0)
        {
            return [];
        }

        var order = new TopOrder(this);
        var heap = new PriorityQueue<int, int>((int)Math.Min(Math.Min((long)n + 1, _count + 1L), TallyDefaults.TopInitialCapacity), order);
        long floor = long.MinValue;
        for (int record = 0; record < _arenaUsed; record = Next(record))
        {
            if (heap.Count < n)
            {
                heap.Enqueue(record, record);
                floor = heap.Count == n ? TotalAt(heap.Peek()) : long.MinValue;
            }
            else if (TotalAt(record) >= floor)
            {
                // Equal to the smallest total: the keys decide, so the heap's comparer does.
                heap.EnqueueDequeue(record, record);
                floor = TotalAt(heap.Peek());
            }
        }

        var top = new Output.KeyTotal[heap.Count];
        for (int i = top.Length - 1; i >= 0; i--)
        {
            int record = heap.Dequeue();
            top[i] = new Output.KeyTotal(_arena.AsMemory(record + Header, LengthAt(record)), TotalAt(record));
        }

        return top;
    }

    /// <summary>The top's order (<see cref="Output.KeyTotal.CompareForTop"/>) over the records at these offsets.</summary>
    private sealed class TopOrder(CountTable table) : IComparer<int>
    {
        public int Compare(int x, int y) => Output.KeyTotal.CompareForTop(table.TotalAt(x), table.KeyAt(x), table.TotalAt(y), table.KeyAt(y));
    }

    /// <summary>Every entry, in the order the keys were first added, with its key left where it is in the table's arena.</summary>
    /// <remarks>
    /// No key is copied: <c>Keys</c> is the arena itself. That is safe even if the table is added to
    /// later, because records are only ever appended past the used length, only their totals are
    /// written again, and a grown arena is a new array, so no key byte behind a returned offset
    /// ever changes. The arena is listed in <paramref name="parts"/> runs of segments on the thread
    /// pool (one run on the calling thread), on at most <paramref name="maxThreads"/> threads at
    /// once (-1: no limit); the table must not change during the call.
    /// </remarks>
    internal (byte[] Keys, TableEntry[] Entries) Snapshot(int parts, int maxThreads = -1)
    {
        // Every element is written below (dense, checked by the asserts): no need to zero them first.
        var entries = Platform.LargeArrays.Uninitialized<TableEntry>(_count);
        SnapshotInto(entries, 0, 0, parts, new ParallelOptions { MaxDegreeOfParallelism = maxThreads });
        return (_arena, entries);
    }

    /// <summary>
    /// Every entry of every table: table by table, each in the order its keys were first added,
    /// with the arenas copied into one array. A key present in several tables appears once per table.
    /// </summary>
    /// <remarks>One table is snapshot in place, as <see cref="Snapshot(int, int)"/> does.</remarks>
    /// <exception cref="InvalidOperationException">The tables hold more than 2 GiB of records or 2^31 entries together.</exception>
    internal static (byte[] Keys, TableEntry[] Entries) Snapshot(IReadOnlyList<CountTable> tables, int parts, int maxThreads = -1)
    {
        if (tables.Count == 1)
        {
            return tables[0].Snapshot(parts, maxThreads);
        }

        long arenaBytes = 0;
        long count = 0;
        foreach (var table in tables)
        {
            arenaBytes += table._arenaUsed;
            count += table._count;
        }

        if (arenaBytes > Array.MaxLength || count > Array.MaxLength)
        {
            throw new InvalidOperationException("Tables summed at output hold at most 2 GiB of keys and 2^31 entries together.");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        var keys = Platform.LargeArrays.Uninitialized<byte>((int)arenaBytes);
        var entries = Platform.LargeArrays.Uninitialized<TableEntry>((int)count);
        var bases = new int[tables.Count];
        var firsts = new int[tables.Count];
        for (int t = 1; t < tables.Count; t++)
        {
            bases[t] = bases[t - 1] + tables[t - 1]._arenaUsed;
            firsts[t] = firsts[t - 1] + tables[t - 1]._count;
        }

        // Each table's arena goes to its own slice of the array and its entries to their own
        // slice of the entries, so the tables are listed in parallel without a lock.
        Parallel.For(0, tables.Count, parallel, t =>
        {
            tables[t]._arena.AsSpan(0, tables[t]._arenaUsed).CopyTo(keys.AsSpan(bases[t]));
            tables[t].SnapshotInto(entries, firsts[t], bases[t], 1, parallel);
        });

        return (keys, entries);
    }

    /// <summary>Writes the entries to <paramref name="entries"/> from <paramref name="first"/> on, in insertion order, their key offsets moved by <paramref name="arenaBase"/>.</summary>
    private void SnapshotInto(TableEntry[] entries, int first, int arenaBase, int parts, ParallelOptions parallel)
    {
        int segments = _segments.Count;
        parts = Math.Min(parts, segments);
        if (parts <= 1)
        {
            CopyEntries(0, segments, entries, first, arenaBase);
            return;
        }

        // Record i is entry i, and a segment's first record number is known, so every run of
        // segments writes its own slice of the entries: one pass, no counting first.
        Parallel.For(0, parts, parallel, part =>
            CopyEntries((int)((long)segments * part / parts), (int)((long)segments * (part + 1) / parts), entries, first, arenaBase));
    }

    /// <summary>Lists the records of segments [from..to) into their entries.</summary>
    private void CopyEntries(int from, int to, TableEntry[] entries, int first, int arenaBase)
    {
        if (from >= to)
        {
            return;
        }

        int n = first + (from * SegmentRecords);
        int end = to < _segments.Count ? _segments[to] : _arenaUsed;
        for (int record = _segments[from]; record < end; record = Next(record))
        {
            entries[n++] = new TableEntry(arenaBase + record + Header, LengthAt(record), TotalAt(record));
        }

        Debug.Assert(n == first + Math.Min(_count, to * SegmentRecords));
    }

    private ReadOnlySpan<byte> KeyAt(int record) => _arena.AsSpan(record + Header, LengthAt(record));

    private long TotalAt(int record) => Unsafe.ReadUnaligned<long>(ref _arena[record]);

    private uint HashAt(int record) => BinaryPrimitives.ReadUInt32LittleEndian(_arena.AsSpan(record + 8));

    private int LengthAt(int record) => BinaryPrimitives.ReadInt32LittleEndian(_arena.AsSpan(record + 12));

    private int Next(int record) => record + Header + LengthAt(record);

    private void Insert(ref Slot slot, ReadOnlySpan<byte> key, uint hash, long amount)
    {
        if (_count + 1 > (_slots.Length >> 1))
        {
            if (_unindexed)
            {
                // The probe that led here saw none of the records: look again with the index.
                BuildIndex();
                Add(key, hash, amount);
                return;
            }

            Resize();
            InsertNew(key, hash, amount);
            return;
        }

        slot.Hash = hash;
        slot.Record = AppendRecord(key, hash, amount);
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
        slot.Record = AppendRecord(key, hash, amount);
    }

    private int AppendRecord(ReadOnlySpan<byte> key, uint hash, long amount)
    {
        int size = Header + key.Length;
        if (_arena.Length - _arenaUsed < size)
        {
            long wanted = Math.Max((long)_arena.Length * 2, (long)_arenaUsed + size);
            if (wanted > Array.MaxLength)
            {
                wanted = Array.MaxLength;
                if (wanted - _arenaUsed < size)
                {
                    throw new InvalidOperationException("A count table holds at most 2 GiB of distinct keys (with 16 bytes of bookkeeping each).");
                }
            }

            GrowArena(wanted);
        }

        int record = _arenaUsed;
        if ((_count & (SegmentRecords - 1)) == 0)
        {
            _segments.Add(record);
        }

        var target = _arena.AsSpan(record, size);
        Unsafe.WriteUnaligned(ref target[0], amount);
        BinaryPrimitives.WriteUInt32LittleEndian(target[8..], hash);
        BinaryPrimitives.WriteInt32LittleEndian(target[12..], key.Length);
        key.CopyTo(target[Header..]);
        _arenaUsed += size;
        _count++;
        _maxTotal = Math.Max(_maxTotal, amount);
        return record;
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
        var slots = Platform.LargeArrays.Zeroed<Slot>(count);
        int perPage = Math.Max(1, Environment.SystemPageSize / Unsafe.SizeOf<Slot>());
        for (int i = 0; i < slots.Length; i += perPage)
        {
            slots[i].Hash = 0;
        }

        return slots;
    }

    /// <summary>Moves the arena to a new array of <paramref name="length"/> bytes, of which only the used part is written.</summary>
    /// <remarks>Not zeroed: every byte past the used length is written before it is read, and room never used is then never paged in.</remarks>
    private void GrowArena(long length)
    {
        var arena = Platform.LargeArrays.Uninitialized<byte>((int)length);
        _arena.AsSpan(0, _arenaUsed).CopyTo(arena);
        _arena = arena;
    }

    /// <summary>Gives every record of an <see cref="Unindexed"/> table its slot; the keys are distinct, so none is compared.</summary>
    private void BuildIndex() => BuildIndex(BitOperationsEx.RoundUpToPowerOf2(Math.Max(16L, ((long)_count + 1) * 2)));

    /// <summary>As <see cref="BuildIndex()"/>, into <paramref name="wanted"/> slots (a power of two, at least twice the keys).</summary>
    private void BuildIndex(long wanted)
    {
        if (wanted > MaxSlots)
        {
            throw new InvalidOperationException($"A count table holds at most {MaxSlots / 2:N0} distinct keys.");
        }

        _slots = AllocateSlots((int)wanted);
        _mask = _slots.Length - 1;
        for (int record = 0; record < _arenaUsed; record = Next(record))
        {
            uint hash = HashAt(record);
            int index = (int)hash & _mask;
            while (_slots[index].Hash != 0)
            {
                index = (index + 1) & _mask;
            }

            _slots[index] = new Slot { Hash = hash, Record = record };
        }

        _unindexed = false;
    }

    private void Resize()
    {
        if (_slots.Length >= MaxSlots)
        {
            throw new InvalidOperationException($"A count table holds at most {MaxSlots / 2:N0} distinct keys.");
        }

        Rehash(_slots.Length * 2);
    }

    /// <summary>Moves every slot into <paramref name="length"/> slots (a power of two, more than now).</summary>
    private void Rehash(int length)
    {
        var old = _slots;
        _slots = AllocateSlots(length);
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
