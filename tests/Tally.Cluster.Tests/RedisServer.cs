using StackExchange.Redis;

namespace Tally.Cluster.Tests;

/// <summary>
/// The Redis server the Redis membership tests use: <c>TALLY_REDIS=127.0.0.1:PORT</c>, which
/// <c>.ci/run</c> starts (loopback only, no persistence) and sets. Unset, those tests are skipped,
/// saying so; with <c>TALLY_REQUIRE_REDIS=1</c> (CI) they fail instead, so CI cannot pass them by skipping.
/// </summary>
public static class RedisServer
{
    /// <summary>The server's <c>HOST:PORT</c>, or null when none was given.</summary>
    public static string? Address { get; } = Environment.GetEnvironmentVariable("TALLY_REDIS") is { Length: > 0 } address ? address : null;

    public static bool Required => Environment.GetEnvironmentVariable("TALLY_REQUIRE_REDIS") == "1";

    public const string Missing = "needs a Redis server: set TALLY_REDIS=127.0.0.1:PORT (.ci/run starts one)";

    /// <summary>The membership address nodes and coordinators are given.</summary>
    public static ClusterAddress Cluster => ClusterAddress.Parse($"redis://{Address ?? throw new InvalidOperationException($"TALLY_REQUIRE_REDIS=1, but no TALLY_REDIS: this test {Missing}")}");

    /// <summary>
    /// Empties the server's database. Orleans' Redis membership keeps the rows of silos that left or
    /// died, and every Tally cluster has the same ids; a test cluster starts from an empty table so
    /// no row of an earlier run (of this suite or the CLI's) is read as a member.
    /// </summary>
    public static void Flush()
    {
        using var redis = ConnectionMultiplexer.Connect($"{Address},allowAdmin=true,abortConnect=false,connectTimeout=10000");
        foreach (var endpoint in redis.GetEndPoints())
        {
            redis.GetServer(endpoint).FlushDatabase();
        }
    }
}

/// <summary>A test that needs <see cref="RedisServer"/>: skipped without one, unless <c>TALLY_REQUIRE_REDIS=1</c>.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Address is null && !RedisServer.Required)
        {
            Skip = RedisServer.Missing;
        }
    }
}
