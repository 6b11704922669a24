namespace Tally.Sources;

/// <summary>Standard input, named <c>-</c>: read once, in this process, never checkpointed.</summary>
internal sealed class StandardInputKind : IInputKind
{
    public const string Name = "<stdin>";

    public bool TryResolve(string input, InputContext context, ICollection<DataSource> sources)
    {
        if (input != "-")
        {
            return false;
        }

        sources.Add(new StreamSource(Name, context.TakeStandardInput()));
        return true;
    }

    public DataSource? FromAddress(string address, string name) => null;
}
