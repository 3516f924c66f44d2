using System.Text;
using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The <see cref="JobLimits"/> a message can be judged on before it is parsed: its size. What its params ask for
/// (steps, size) is judged by the kind's args as the handler validates them (<see cref="JobLimits.ToParamLimits"/>),
/// what its inputs hold by the handlers' readers (<see cref="JobLimits.ToArrayLimits"/> per file, a
/// <see cref="CutoutBudget"/> of <see cref="JobLimits.MaxCutoutsPerJob"/> per attempt).
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
}
