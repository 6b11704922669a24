namespace Tally.Sources;

/// <summary>What identifies a source's content for a checkpoint: which source it is, and which version of it.</summary>
/// <param name="Key">Which source: stable across runs, such as <c>file:/data/a.gz</c>; names the checkpoint.</param>
/// <param name="Version">Which content: changes whenever the content may have, such as the size and modification time.</param>
/// <remarks>A checkpoint is trusted only when both are equal to the source's now.</remarks>
public sealed record SourceIdentity(string Key, string Version);
