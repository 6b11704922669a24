using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Tally.Tests;

/// <summary>
/// Every <c>```csharp</c> block of README.md compiles on its own, as the whole <c>Program.cs</c> of a
/// console project (<c>dotnet new console</c>: implicit usings, nullable on) that references
/// Tally.Core: a snippet that leans on a type or a <c>using</c> it does not show fails here, naming
/// its README line. <see cref="ReadmeExamplesTests"/> runs the same code; this checks what a reader
/// who pastes it gets.
/// </summary>
public sealed class ReadmeSnippetCompileTests
{
    /// <summary>The SDK's implicit usings for a console project (Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>Loaded once: reading ~170 reference assemblies' metadata is most of a compile's cost.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static TheoryData<int> SnippetLines => [.. Snippets().Select(s => s.Line)];

    [Fact]
    public void TheReadmeHasSnippets()
    {
        Assert.True(Snippets().Count >= 3, "expected the README's library examples as ```csharp blocks");
    }

    [Theory]
    [MemberData(nameof(SnippetLines))]
    public void Snippet_CompilesOnItsOwn(int line)
    {
        var snippet = Snippets().Single(s => s.Line == line);

        var problems = Compile(snippet);

        Assert.True(problems.Count == 0, $"the README's C# snippet at README.md:{line} does not compile on its own:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void ASnippetThatDoesNotCompile_IsReportedWithItsReadmeLine()
    {
        var problems = Compile(new Snippet(100, "using Tally;\n\nvar result = new NoSuchType();\n"));

        Assert.Contains(problems, p => p.StartsWith("README.md:102:", StringComparison.Ordinal) && p.Contains("CS0246", StringComparison.Ordinal));
    }

    /// <summary>Errors and warnings, each as <c>README.md:LINE: id: message</c>.</summary>
    private static List<string> Compile(Snippet snippet)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ReadmeSnippet",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "GlobalUsings.g.cs"), CSharpSyntaxTree.ParseText(snippet.Code, parse, "Program.cs")],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        // Emit, not only GetDiagnostics: some errors (an entry point, async main) appear only then.
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        return [.. emitted.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => $"README.md:{snippet.Line + d.Location.GetLineSpan().StartLinePosition.Line}: {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string list = Path.Combine(AppContext.BaseDirectory, "readme-snippet-references.txt");
        string[] paths = File.ReadAllLines(list).Where(l => l.Length > 0).ToArray();
        Assert.Contains(paths, p => Path.GetFileName(p) == "Tally.Core.dll");
        Assert.Contains(paths, p => Path.GetFileName(p) == "System.Runtime.dll");
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    /// <summary>README.md's <c>```csharp</c> blocks, each with the README line its code starts on.</summary>
    private static List<Snippet> Snippets()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var snippets = new List<Snippet>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            var code = new StringBuilder();
            int start = i + 2;   // 1-based line of the block's first code line
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Append(lines[i]).Append('\n');
            }

            snippets.Add(new Snippet(start, code.ToString()));
        }

        return snippets;
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    private sealed record Snippet(int Line, string Code);
}
