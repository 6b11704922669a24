using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Formats.Tsv;
using Tally.Formats.Words;
using Tally.Mapping;

namespace Tally.Formats;

/// <summary>The one place formats are registered: a new format is a folder under <c>Formats/</c> plus one line here.</summary>
/// <remarks>
/// The command line resolves <c>--format</c> names here and worker processes rebuild a job's map
/// step from its name and arguments here, so both always know the same formats.
/// </remarks>
internal static class BuiltInFormats
{
    public static MapStepRegistry Register(MapStepRegistry registry) => registry
        .Add(AutoMapStep.StepName, arguments => new AutoMapStep(NgramFilter.Parse(arguments)))
        .Add(NgramV2MapStep.StepName, arguments => arguments.Length == 0 ? NgramV2MapStep.Instance : new NgramV2MapStep(NgramFilter.Parse(arguments)))
        .Add(NgramV3MapStep.StepName, arguments => arguments.Length == 0 ? NgramV3MapStep.Instance : new NgramV3MapStep(NgramFilter.Parse(arguments)))
        .Add(TsvMapStep.StepName, TsvMapStep.Parse)
        .Add(WordsMapStep.StepName, arguments => arguments switch
        {
            "" => new WordsMapStep(),
            "ignore-case" => new WordsMapStep(ignoreCase: true),
            _ => throw new ArgumentException($"\"{arguments}\" are not words arguments", nameof(arguments)),
        })
        .Add(Series.SeriesMapStep.StepName, Series.SeriesMapStep.Parse);
}
