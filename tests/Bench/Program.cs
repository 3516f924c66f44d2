Console.WriteLine("ScoreBatch benchmarks");
