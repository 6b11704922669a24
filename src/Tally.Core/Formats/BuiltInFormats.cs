using Tally.Formats.NgramV2;
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
        .Add(NgramV2MapStep.Instance);
}
