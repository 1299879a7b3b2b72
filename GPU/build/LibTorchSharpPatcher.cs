#nullable enable
// Inline MSBuild task (RoslynCodeTaskFactory, compiled against netstandard2.0) used by SimByz.Gpu.Native.targets; compiled by MSBuild
// at build time, not part of any assembly of the solution. See the README's "TorchSharp on Debian 12".
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks the <c>GLIBCXX_3.4.32</c> version requirement of TorchSharp's <c>libLibTorchSharp.so</c>
/// weak (VER_FLG_WEAK, 0x2, in its Vernaux entry of <c>.gnu.version_r</c>), in the copy in the build
/// output, when the system's libstdc++ does not define that version, and always in a publish folder
/// (<see cref="Always"/>). The NuGet cache and the system are never written. Idempotent: an
/// already-weak entry is left alone.
/// </summary>
public sealed class SimByzPatchLibTorchSharp : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Copies of libLibTorchSharp.so in the output to patch in place.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version to weaken, GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; } = "";

    /// <summary>Extra directories to search for libstdc++.so.6 before the standard ones (colon-separated).</summary>
    public string LibraryPath { get; set; } = "";

    /// <summary>
    /// Patch whatever this machine's libstdc++ defines: for a publish folder or a tool package, which run
    /// on other machines. A weak requirement costs nothing where the version exists.
    /// </summary>
    public bool Always { get; set; }

    public override bool Execute()
    {
        if (Always) return PatchAll("for other machines");
        string? libstdcxx = FindLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogMessage(MessageImportance.Normal, "SimByz: no libstdc++.so.6 found; libLibTorchSharp.so left as shipped");
            return true;
        }
        if (Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"SimByz: {libstdcxx} defines {Version}; libLibTorchSharp.so left as shipped");
            return true;
        }
        return PatchAll($"{Path.GetFileName(libstdcxx)} lacks {Version}");
    }

    private bool PatchAll(string why)
    {
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            byte[] elf = File.ReadAllBytes(path);
            long flagsOffset = FindVernauxFlags(elf, Version, out string problem);
            if (flagsOffset < 0)
            {
                Log.LogWarning($"SimByz: cannot patch {path}: {problem}");
                continue;
            }
            ushort flags = BitConverter.ToUInt16(elf, (int)flagsOffset);
            if ((flags & VerFlgWeak) != 0)
            {
                Log.LogMessage(MessageImportance.Low, $"SimByz: {path}: {Version} already weak");
                continue;
            }
            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, flagsOffset);
            // The output copy may be a hard link into the NuGet cache (CreateHardLinksForCopyLocal...):
            // write a new file and move it over the old name so the cache's inode is never written.
            string temp = path + ".simbyz-tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(path);
            File.Move(temp, path);
            long check = FindVernauxFlags(File.ReadAllBytes(path), Version, out problem);
            if (check < 0 || (File.ReadAllBytes(path)[check] & VerFlgWeak) == 0)
            {
                Log.LogError($"SimByz: patching {path} did not take effect ({problem})");
                return false;
            }
            Log.LogMessage(MessageImportance.High, $"SimByz: {why}: marked the {Version} requirement weak in {path}");
        }
        return !Log.HasLoggedErrors;
    }

    private string? FindLibStdCxx()
    {
        string env = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "";
        string dirs = LibraryPath + ":" + env + ":/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/usr/local/lib:/usr/lib:/lib";
        foreach (string dir in dirs.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0]) continue;
            int k = 1;
            while (k < needle.Length && haystack[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }

    /// <summary>File offset of vna_flags of the Vernaux entry named <paramref name="version"/>, or −1.</summary>
    private static long FindVernauxFlags(byte[] elf, string version, out string problem)
    {
        problem = "";
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            problem = "not an ELF file";
            return -1;
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            problem = "not a little-endian ELF64 file";
            return -1;
        }
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (sh + 64 > elf.Length) break;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long info = BitConverter.ToUInt32(elf, (int)sh + 0x2C); // number of Verneed entries
            long strtab = shoff + (long)link * shentsize;
            long strOffset = BitConverter.ToInt64(elf, (int)strtab + 0x18);
            long vn = offset;
            for (long e = 0; e < info; e++)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    long name = strOffset + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (CStringEquals(elf, name, version)) return aux + 4;
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, (int)vn + 12);
                if (next == 0) break;
                vn += next;
            }
            problem = $"no requirement on {version}";
            return -1;
        }
        problem = "no .gnu.version_r section";
        return -1;
    }

    private static bool CStringEquals(byte[] elf, long at, string s)
    {
        if (at + s.Length >= elf.Length) return false;
        for (int i = 0; i < s.Length; i++)
        {
            if (elf[at + i] != (byte)s[i]) return false;
        }
        return elf[at + s.Length] == 0;
    }
}
