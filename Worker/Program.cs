using ScoreBatch.Worker.Cli;

return await ScoreBatchCli.RunAsync(args).ConfigureAwait(false);
