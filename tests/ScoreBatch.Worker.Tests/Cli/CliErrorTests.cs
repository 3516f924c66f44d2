using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ScoreBatch.Tests.Shared;
using ScoreBatch.Worker.Cli;
using ScoreBatch.Worker.Hosting;

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
        var (code, error) = await ConsoleCapture.ErrorAsync(() => ScoreBatchCli.RunAsync(["status", "jobs-out/run", "--connection", "AccountName=only"]));
        Assert.Equal(1, code);
        Assert.StartsWith("scorebatch: the storage connection string is malformed", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Error)> RunCapturingErrorAsync(params string[] args) =>
        ConsoleCapture.ErrorAsync(() => ScoreBatchCli.RunAsync(args));

    [Theory]
    [InlineData(new[] { "worker", "--concurrency", "0" }, "scorebatch worker: --concurrency must be between 1 and 32, got 0 (see --help)")]
    [InlineData(new[] { "worker", "--device", "tpu" }, "scorebatch worker: --device: Argument 'tpu' not recognized. Must be one of: 'auto' 'cpu' 'cuda' (see --help)")]
    [InlineData(new[] { "health", "--max-age", "-1" }, "scorebatch health: --max-age must be a positive duration, in seconds (120) or as hh:mm:ss (00:02:00), got '-1' (see --help)")]
    [InlineData(new[] { "submit", "--kind", "train", "--output", "out/x", "--queue", "q2" }, "scorebatch: --queue: 'q2' must be 3-56 characters of a-z, 0-9 and single hyphens (the poison queue adds '-poison')")]
    [InlineData(new[] { "submit", "--kind", "train", "--output", "out/x", "--param", "stpes=5" }, "submit: params.stpes: is not a parameter of train jobs; did you mean 'steps'? known: architecture, attn_resolution, batch, blocks, ch_mult, checkpoint_every, device, ema, export_eqx, grad_clip, log_every, lr, mlp_width, nf, optimizer, precision, process, res_blocks, seed, size, steps, time_sampling, transform, warmup, width")]
    public async Task RunAsync_BadFlag_ExactlyOneLineNamingTheFlagAndNoTrace(string[] args, string expected)
    {
        var (code, error) = await RunCapturingErrorAsync(args);
        Assert.NotEqual(0, code);
        Assert.Equal(expected, error.TrimEnd());
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("120", 120.0)]
    [InlineData("1.5", 1.5)]
    [InlineData("00:02:00", 120.0)]
    [InlineData("2", 2.0)] // TimeSpan.Parse reads "2" as two days
    public void DurationOption_PositiveSecondsOrClock_Parsed(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), DurationOption.TryParse(text));

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("-00:01:00")]
    [InlineData("soon")]
    [InlineData("NaN")]
    public void DurationOption_NotPositive_Refused(string text) => Assert.Null(DurationOption.TryParse(text));

    [Fact]
    public void Describe_StorageUnreachableAfterSdkRetries_OneLineNamingTheFix()
    {
        var refused = new Azure.RequestFailedException("Connection refused (127.0.0.1:1)", new System.Net.Http.HttpRequestException("Connection refused (127.0.0.1:1)"));
        var e = new AggregateException("Retry failed after 2 tries. Retry settings can be adjusted in ClientOptions.Retry.", refused, refused);
        Assert.Equal("storage is unreachable (Connection refused (127.0.0.1:1)); check --connection or SCOREBATCH__STORAGE__CONNECTIONSTRING", ScoreBatchCli.Describe(e));
    }

    [Fact]
    public void Describe_RequestFailedWithHeaders_FirstLineAndStatusOnly()
    {
        var e = new Azure.RequestFailedException(413, "The request body is too large and exceeds the maximum permissible limit.\nRequestId:1\nStatus: 413\n\nHeaders:\nServer: Azurite", "RequestBodyTooLarge", null);
        Assert.Equal("storage refused the request (413 RequestBodyTooLarge): The request body is too large and exceeds the maximum permissible limit.", ScoreBatchCli.Describe(e));
    }

    [Fact]
    public void Formatter_ExceptionWithDeepTrace_OneLineWithInnermostCause()
    {
        Exception thrown;
        try
        {
            throw new AggregateException(new Azure.RequestFailedException("Connection refused (127.0.0.1:1)",
                new System.Net.Http.HttpRequestException("refused", new System.Net.Sockets.SocketException(111))));
        }
        catch (AggregateException e)
        {
            thrown = e;
        }
        var formatter = new OneLineConsoleFormatter(new FixedMonitor(new SimpleConsoleFormatterOptions()));
        var text = new StringWriter();
        formatter.Write(new LogEntry<string>(LogLevel.Warning, "ScoreBatch.Storage", new EventId(3), "storage read failed", thrown, (s, _) => s), null, text);

        var line = Assert.Single(text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("warn: ScoreBatch.Storage[3] storage read failed (RequestFailedException: Connection refused (127.0.0.1:1); caused by SocketException", line, StringComparison.Ordinal);
    }

    private sealed class FixedMonitor(SimpleConsoleFormatterOptions value) : IOptionsMonitor<SimpleConsoleFormatterOptions>
    {
        public SimpleConsoleFormatterOptions CurrentValue => value;
        public SimpleConsoleFormatterOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<SimpleConsoleFormatterOptions, string?> listener) => null;
    }
}
