using Microsoft.Extensions.Options;
using ScoreBatch.Worker.Cli;

namespace ScoreBatch.Worker.Tests.Cli;

public class CliErrorTests
{
    [Fact]
    public void Describe_OptionsValidation_ListsEveryFailureWithoutTheTypeName()
    {
        var e = new OptionsValidationException("ScoreBatch", typeof(object), ["ScoreBatch:QueueName must be 3-56 characters", "ScoreBatch:MaxAttempts must be positive"]);
        Assert.Equal("ScoreBatch:QueueName must be 3-56 characters; ScoreBatch:MaxAttempts must be positive", ScoreBatchCli.Describe(e));
    }

    [Fact]
    public void Describe_WrappedUserError_ShowsTheInnerMessage()
    {
        var e = new AggregateException(new InvalidDataException("model.ckpt: truncated checkpoint"));
        Assert.Equal("model.ckpt: truncated checkpoint", ScoreBatchCli.Describe(e));
    }

    [Fact]
    public async Task RunAsync_MalformedConnectionString_OneLineErrorAndExitCode1()
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var code = await ScoreBatchCli.RunAsync(["status", "jobs-out/run", "--connection", "AccountName=only"]);
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.StartsWith("scorebatch: the storage connection string is malformed", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }
}
