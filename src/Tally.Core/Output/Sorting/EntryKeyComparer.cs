namespace Tally.Output.Sorting;

/// <summary>Orders entry indexes of a <see cref="SortWorkspace"/> by their whole keys, byte by byte.</summary>
internal sealed class EntryKeyComparer(SortWorkspace work) : IComparer<int>
{
    public int Compare(int x, int y) => work.Key(x).SequenceCompareTo(work.Key(y));
}
