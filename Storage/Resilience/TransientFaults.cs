using Azure;

namespace ScoreBatch.Storage.Resilience;

/// <summary>Which failures are worth retrying: timeouts, throttling, server errors and broken connections only.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        // The SDK's own retry policy reports a request that failed on every try as an AggregateException of those
        // failures (e.g. "Retry failed after 2 tries ... Connection refused"): transient when each of them is.
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTransient),
        // Status 0: no response at all (connection refused or reset before a status line).
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException => true,
        TimeoutException => true,
        IOException => true,
        _ => false,
    };
}
