namespace Tally.Engine;

/// <summary>Where a source is in the job.</summary>
public enum SourceStatus
{
    /// <summary>Not opened yet.</summary>
    Waiting,

    /// <summary>Being read and counted.</summary>
    Running,

    /// <summary>Fully counted and merged.</summary>
    Done,
}
