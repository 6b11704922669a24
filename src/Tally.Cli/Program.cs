using System.Runtime.InteropServices;
using Tally.Cli;

// First of all: the multi-core JIT's profile of the last run of this kind is played on another
// core from here on (StartupProfile says why, and what it measured).
var startup = StartupProfile.Start(args);

// Ctrl+C and SIGTERM cancel the job instead of killing the process, so a partial output file is
// never left behind and the tool can say how far it got before exiting with 130.
// The source is deliberately not disposed: a signal can arrive while Main is returning, and
// cancelling a disposed source would throw on the signal thread and abort the process.
// SIGINT through PosixSignalRegistration, not Console.CancelKeyPress: the latter first sets up
// System.Console's terminal layer, which a count writing to files and pipes never needs. With the
// UTF-8 writers of CliEnvironment, Main's first steps went from 13 ms to 7-9 ms (timers inside).
var cancellation = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

// SIGHUP (the terminal closed, or `kill -HUP`) too: the default would kill the process before it
// could delete its temporary output file.
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

// Names are bytes: an argument that is not valid UTF-8 (a file name, a --word) is taken as its
// bytes, which .NET's own decoding would have turned into U+FFFD.
int code = await TallyApp.RunAsync(Tally.Platform.UnixArguments.Recover(args), CliEnvironment.FromSystemConsole(), cancellation.Token).ConfigureAwait(false);

// Only a run that succeeded leaves its recording for the next: a failed one may have stopped early.
if (code == 0)
{
    startup?.Save();
}
else
{
    startup?.Discard();
}

return code;
