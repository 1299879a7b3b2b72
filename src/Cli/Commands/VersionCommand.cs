using System.CommandLine;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Cli.Commands;

/// <summary><c>simbyz version</c>: the SimByz version that goes into every trace header.</summary>
internal static class VersionCommand
{
    public static string SimByzVersion
        => typeof(SimByzException).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Create(TextWriter output)
    {
        var command = new Command("version", "Print the SimByz version, the commit it was built from and the vector instructions this process uses." + CommandExamples.Format("simbyz version"));
        command.SetAction(_ =>
        {
            output.WriteLine(SimByzVersion);
            output.WriteLine("commit " + SimByz.Simulator.Output.BuildInfo.Commit);
            output.WriteLine("instructions " + Instructions);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The vector instruction sets the runtime uses in this process (<c>avx512 avx2 fma sse2</c>, <c>neon</c>, or
    /// <c>none</c> under <c>DOTNET_EnableHWIntrinsic=0</c>). Results never depend on it (DESIGN.md); it tells which
    /// kernel paths ran, and shows whether an instruction-set setting such as <c>DOTNET_EnableAVX512=0</c> took effect.
    /// </summary>
    public static string Instructions
    {
        get
        {
            var names = new List<string>();
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) names.Add("avx512");
            if (Avx2.IsSupported) names.Add("avx2");
            if (Fma.IsSupported) names.Add("fma");
            if (Sse2.IsSupported) names.Add("sse2");
            if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) names.Add("neon");
            return names.Count == 0 ? "none" : string.Join(' ', names);
        }
    }
}
