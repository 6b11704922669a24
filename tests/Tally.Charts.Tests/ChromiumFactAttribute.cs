namespace Tally.Charts.Tests;

/// <summary>
/// A test that renders in headless Chromium: skipped, saying so, where <c>chromium</c> is not on
/// PATH, unless <c>TALLY_REQUIRE_CHROMIUM=1</c> (set by .ci/run once it has installed it): then it
/// runs, and fails for want of the browser.
/// </summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null && Environment.GetEnvironmentVariable("TALLY_REQUIRE_CHROMIUM") != "1")
        {
            Skip = "chromium is not installed, so the SVG is not rendered in a browser (apt-get install chromium; .ci/run installs it)";
        }
    }
}
