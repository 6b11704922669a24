using System.Runtime.InteropServices;
using Tally.Cli;

// Ctrl+C and SIGTERM cancel the job instead of killing the process, so a partial output file is
// never left behind and the tool can say how far it got before exiting with 130.
// The source is deliberately not disposed: a signal can arrive while Main is returning, and
// cancelling a disposed source would throw on the signal thread and abort the process.
// SIGINT through PosixSignalRegistration, not Console.CancelKeyPress: the latter first sets up
// the whole terminal layer of System.Console (about 12 ms at every start, measured), which a
// count writing to files and pipes never needs.
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

return await TallyApp.RunAsync(args, CliEnvironment.FromSystemConsole(), cancellation.Token).ConfigureAwait(false);
