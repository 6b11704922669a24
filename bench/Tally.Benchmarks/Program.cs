using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Tally.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Tally.Benchmarks.ParserBenchmarks).Assembly).Run(args);
