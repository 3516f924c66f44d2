using Azure;

namespace ScoreBatch.Storage.Resilience;

/// <summary>Which failures are worth retrying: timeouts, throttling, server errors and broken connections only.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        // Status 0: no response at all (connection refused or reset before a status line).
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException => true,
        TimeoutException => true,
        IOException => true,
        _ => false,
    };
}
