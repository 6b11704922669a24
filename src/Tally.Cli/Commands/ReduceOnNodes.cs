using System.CommandLine;
using Tally.Cli.Rendering;
using Tally.Output;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>count --cluster ... --reduce-on-nodes P -o DIR/</c>: the checks of the command line, and what
/// the job reports at its end. The work is the cluster library's (<c>ClusterReduce</c>); this is glue.
/// </summary>
internal static class ReduceOnNodes
{
    public static Option<int?> Option() => new("--reduce-on-nodes")
    {
        Description = "With --cluster and -o DIR/: reduce on the nodes too, into P sorted part files DIR/part-00000... whose concatenation is the -o file "
            + "of a local count (tsv, csv, jsonl; in parquet or sqlite each part is a whole file of its key range); no process holds the whole table. "
            + "DIR must be shared storage every node writes, under their --allow.",
    };

    /// <summary>The request, checked: parts, the folder and the format; null when <c>--reduce-on-nodes</c> is not given.</summary>
    /// <exception cref="UsageException">A combination that cannot work, in one line.</exception>
    public static Request? Check(ParseResult parsed, Option<int?> option, CountSettings settings, bool cluster)
    {
        if (parsed.GetValue(option) is not { } parts)
        {
            return null;
        }

        string flag = $"--reduce-on-nodes {parts}";
        if (parts < 1)
        {
            throw new UsageException($"{flag}: must be at least 1");
        }

        if (!cluster)
        {
            throw new UsageException($"{flag}: needs --cluster HOST:PORT (the reducers run on its nodes)");
        }

        if (settings.OutputPath is not { } directory || directory == CountSettings.StandardStream)
        {
            throw new UsageException($"{flag}: needs -o DIR/, the folder on shared storage the parts are written to");
        }

        if (!directory.EndsWith('/') && !Directory.Exists(directory))
        {
            throw new UsageException($"{flag}: -o {TallyApp.Printable(directory)} is not a folder; end it with / to have it made");
        }

        // The totals are in the parts, not on the coordinator: what needs them there is refused.
        string? clash = settings.Top is not null ? "--top" : settings.Words.Count > 0 ? "--word" : settings.CheckpointDirectory is not null ? "--checkpoint" : null;
        if (clash is not null)
        {
            throw new UsageException($"{flag}: cannot be combined with {clash}, which needs the totals on the coordinator; read the parts instead");
        }

        if (settings.Inputs.Contains(CountSettings.StandardStream))
        {
            throw new UsageException($"{flag}: standard input cannot be read by the nodes; give files on shared storage");
        }

        OutputFormat? format = OutputFormatRegistry.Tsv;
        if (settings.OutputFormat is { } name && !OutputFiles.Formats.TryGet(name, out format))
        {
            throw new UsageException($"--output-format {name}: not one of {string.Join(", ", OutputFiles.Formats.Names)}");
        }

        return new Request(parts, directory, format);
    }

    /// <summary>What <c>--reduce-on-nodes</c> asks for, and where the job's parts are read from at its end.</summary>
    /// <remarks>
    /// Also the live display's line for the reduce phase. The executor is made inside the job, so
    /// both readers are attached later, from the job's thread, and read on the display's loop:
    /// each is one reference swapped whole, so no lock is needed.
    /// </remarks>
    internal sealed class Request(int parts, string directory, OutputFormat format) : IStatusLines
    {
        private volatile Func<Written?>? _read;
        private volatile Func<(int Parts, int Running, int Written)?>? _status;

        public int Parts { get; } = parts;

        public string Directory { get; } = directory;

        public OutputFormat Format { get; } = format;

        /// <summary>The executor's view of the parts written, attached when it is made.</summary>
        public void Attach(Func<Written?> read) => _read = read;

        public Written? Result => _read?.Invoke();

        /// <summary>Where the reduce phase's progress is read from: null until it starts.</summary>
        public void AttachStatus(Func<(int Parts, int Running, int Written)?> status) => _status = status;

        /// <summary>One line once the reduce has started: <c>reduce  2 running, 1 of 4 parts written</c>.</summary>
        public IReadOnlyList<ProgressItem> Current()
            => _status?.Invoke() is { } now
                ? [new ProgressItem("reduce", now.Parts, now.Written, null, null, null) { Note = $"{now.Running:N0} running, {now.Written:N0} of {now.Parts:N0} parts written" }]
                : [];
    }

    /// <summary>The parts a job wrote.</summary>
    internal sealed record Written(string Directory, int Parts, long Keys, long Bytes);
}
