using System.Text;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>
/// Checks the build step of GPU/build/SimByz.Gpu.Native.targets with an ELF reader of its own
/// (independent of the patcher's): the output's libLibTorchSharp.so has its GLIBCXX_3.4.32
/// requirement weak exactly when the system libstdc++ lacks that version, and the NuGet cache's copy
/// is untouched.
/// </summary>
public sealed class NativePatchTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void OutputLibrary_SystemLacksGlibcxx3432_RequirementIsWeak()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), $"{output} missing: the torch native assets were not copied");
        ushort? flags = VernauxFlags(File.ReadAllBytes(output), Version);
        Assert.NotNull(flags);
        bool weak = (flags.Value & 0x2) != 0;
        Assert.Equal(!SystemHasVersion(), weak);
    }

    [Fact]
    public void NuGetCacheLibrary_AfterBuild_IsUnmodified()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(cached), $"{cached} missing");
        Assert.Equal((ushort)0, VernauxFlags(File.ReadAllBytes(cached), Version));
    }

    private static bool SystemHasVersion()
    {
        foreach (string dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/usr/lib" })
        {
            string path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path)) return File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.ASCII.GetBytes(Version + "\0")) >= 0;
        }
        return false;
    }

    /// <summary>vna_flags of the named version need, read through the dynamic section (DT_VERNEED), or null.</summary>
    private static ushort? VernauxFlags(byte[] elf, string version)
    {
        var s = elf.AsSpan();
        long phoff = BitConverter.ToInt64(s[0x20..]);
        int phentsize = BitConverter.ToUInt16(s[0x36..]), phnum = BitConverter.ToUInt16(s[0x38..]);
        long dynOffset = -1, dynSize = 0;
        var loads = new List<(long VAddr, long Offset, long Size)>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = s[(int)(phoff + i * phentsize)..];
            uint type = BitConverter.ToUInt32(ph);
            if (type == 2) (dynOffset, dynSize) = (BitConverter.ToInt64(ph[8..]), BitConverter.ToInt64(ph[0x20..]));
            if (type == 1) loads.Add((BitConverter.ToInt64(ph[0x10..]), BitConverter.ToInt64(ph[8..]), BitConverter.ToInt64(ph[0x20..])));
        }
        long FileOffset(long vaddr)
        {
            foreach (var l in loads) if (vaddr >= l.VAddr && vaddr < l.VAddr + l.Size) return vaddr - l.VAddr + l.Offset;
            throw new InvalidDataException("address outside loadable segments");
        }
        long strtab = -1, verneed = -1, verneedNum = 0;
        for (long p = dynOffset; p < dynOffset + dynSize; p += 16)
        {
            long tag = BitConverter.ToInt64(s[(int)p..]), val = BitConverter.ToInt64(s[(int)(p + 8)..]);
            if (tag == 5) strtab = FileOffset(val);
            if (tag == 0x6ffffffe) verneed = FileOffset(val);
            if (tag == 0x6fffffff) verneedNum = val;
        }
        long vn = verneed;
        for (long e = 0; e < verneedNum; e++)
        {
            int count = BitConverter.ToUInt16(s[(int)(vn + 2)..]);
            long aux = vn + BitConverter.ToUInt32(s[(int)(vn + 8)..]);
            for (int a = 0; a < count; a++)
            {
                long name = strtab + BitConverter.ToUInt32(s[(int)(aux + 8)..]);
                int end = s[(int)name..].IndexOf((byte)0);
                if (Encoding.ASCII.GetString(s.Slice((int)name, end)) == version) return BitConverter.ToUInt16(s[(int)(aux + 4)..]);
                aux += BitConverter.ToUInt32(s[(int)(aux + 12)..]);
            }
            vn += BitConverter.ToUInt32(s[(int)(vn + 12)..]);
        }
        return null;
    }
}
