using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Worker.Cli;

// Before any tensor is allocated: keep big activations on the heap instead of fresh mmaps (see NativeMemoryTuning).
NativeMemoryTuning.Apply();
return await ScoreBatchCli.RunAsync(args).ConfigureAwait(false);
