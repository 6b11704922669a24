using System.Diagnostics;

namespace Tally.Charts.Tests;

/// <summary>Debian's Chromium, run headless to screenshot a file.</summary>
internal static class Chromium
{
    /// <summary>How long a screenshot may take before the browser is taken to be hung: a bound, not a timing check (one takes about 2 s).</summary>
    private static readonly TimeSpan s_hung = TimeSpan.FromMinutes(2);

    /// <summary>The browser's path on PATH (<c>chromium</c>, or <c>chromium-browser</c> elsewhere), or null.</summary>
    public static string? Path { get; } = Find("chromium") ?? Find("chromium-browser");

    /// <summary>Opens <paramref name="file"/> in a window of <paramref name="width"/> by <paramref name="height"/> and writes its screenshot to <paramref name="screenshot"/>.</summary>
    /// <remarks>
    /// <c>--no-sandbox</c> because tests run as root here, where Chromium refuses its sandbox; a
    /// profile folder of its own beside the screenshot, so runs never share or lock one.
    /// </remarks>
    public static async Task ScreenshotAsync(string file, string screenshot, int width, int height)
    {
        string browser = Path ?? throw new InvalidOperationException("TALLY_REQUIRE_CHROMIUM=1, but chromium is not on PATH (apt-get install chromium)");
        string profile = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(screenshot)!, "chromium-profile");
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            $"--user-data-dir={profile}", $"--screenshot={screenshot}", $"--window-size={width},{height}",
            new Uri(file).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{browser} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var hung = new CancellationTokenSource(s_hung);
        try
        {
            await process.WaitForExitAsync(hung.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium took over {s_hung} to screenshot {file}");
        }

        if (process.ExitCode != 0 || !File.Exists(screenshot))
        {
            throw new InvalidOperationException($"chromium exited {process.ExitCode} without a screenshot:\n{await output}\n{await errors}");
        }
    }

    private static string? Find(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => System.IO.Path.Combine(folder, name))
        .FirstOrDefault(File.Exists);
}
