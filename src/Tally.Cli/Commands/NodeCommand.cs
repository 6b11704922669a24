using System.CommandLine;

namespace Tally.Cli.Commands;

/// <summary><c>tally node --join HOST:PORT</c>: a worker node of a cluster, serving map tasks until stopped.</summary>
internal static class NodeCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var join = new Option<string?>("--join") { Description = "The coordinator to join: the HOST:PORT of 'tally count --cluster HOST:PORT'. The node waits for it, and for the next one after each job." };
        var membership = new Option<string?>("--membership") { Description = "A standing cluster's Redis membership table, redis://HOST:PORT, instead of --join." };
        var listen = new Option<string?>("--listen") { Description = "Where the node listens (default 127.0.0.1 and a free port). Name an address other machines reach to join from other machines." };
        var allow = new Option<string[]>("--allow") { Description = "A folder the node may read (repeatable; default the current folder). Any path outside is refused.", AllowMultipleArgumentsPerToken = false };
        var slots = new Option<int?>("--slots") { Description = "Tasks run at once (default: processor count)." };
        var tlsCertificate = ClusterSupport.TlsCertificateOption();
        var tlsCa = ClusterSupport.TlsCaOption();
        var command = new Command("node", "Run a cluster node: an Orleans silo that counts the sources coordinators send it, until Ctrl+C or SIGTERM.")
        {
            join, membership, listen, allow, slots, tlsCertificate, tlsCa,
        };
        command.SetAction((parsed, cancellationToken) => ClusterSupport.RunNodeAsync(environment, parsed.GetValue(join), parsed.GetValue(membership),
            parsed.GetValue(listen), parsed.GetValue(allow) ?? [], parsed.GetValue(slots) ?? Environment.ProcessorCount,
            new ClusterSupport.TlsFiles(parsed.GetValue(tlsCertificate), parsed.GetValue(tlsCa)), cancellationToken));
        return command;
    }
}
