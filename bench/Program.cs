using BenchmarkDotNet.Running;

namespace SimByz.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
