using System.Text;
using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The <see cref="JobLimits"/> a message can be judged on before any work: its size, and the sizes its params ask
/// for ("steps", "size"). Limits on what the inputs hold are enforced while reading (<see cref="JobScopedArtifactStore"/>).
/// </summary>
public static class JobLimitChecks
{
    /// <summary>Null when the body is within <see cref="JobLimits.MaxMessageBytes"/>, else the problem (field "body").</summary>
    public static MessageProblem? CheckBody(string body, JobLimits limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        // Count without encoding the whole body: an oversized message is refused before it is parsed.
        if (body.Length <= limits.MaxMessageBytes / 3) return null;
        var bytes = Encoding.UTF8.GetByteCount(body);
        return bytes <= limits.MaxMessageBytes
            ? null
            : new MessageProblem("body", $"is {bytes} bytes, over the limit of {limits.MaxMessageBytes} ({JobLimits.SectionName}:MaxMessageBytes); messages carry names, not data");
    }

    /// <summary>Throws <see cref="JobValidationException"/> naming "params.steps" or "params.size" when a request asks for more than the limits allow.</summary>
    public static void CheckParams(JobRequest request, JobLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        // The getters throw naming "params.NAME" with the range; the handlers keep their own, tighter checks.
        request.Params.GetInt64("steps", 1, 1, limits.MaxSteps);
        request.Params.GetInt32("size", limits.MaxCutoutSize, 4, limits.MaxCutoutSize);
    }
}
