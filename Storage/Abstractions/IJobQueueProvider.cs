namespace ScoreBatch.Storage.Abstractions;

/// <summary>Hands out queues by name (the job queue and its "-poison" companion), creating them on first use.</summary>
public interface IJobQueueProvider
{
    IJobQueue GetQueue(string name);
}
