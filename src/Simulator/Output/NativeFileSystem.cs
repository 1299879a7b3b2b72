using System.Runtime.InteropServices;

namespace SimByz.Simulator.Output;

/// <summary>
/// The file-system calls .NET does not offer: an atomic exchange of two paths (Linux
/// <c>renameat2(RENAME_EXCHANGE)</c>), so a reused output folder is replaced in one step; a hard
/// link, so files kept from the old folder appear in the new one without being copied; and the type
/// of a file (<c>stat</c>), so that a device such as <c>/dev/null</c> is never renamed over.
/// </summary>
/// <remarks>Each returns false where the platform or the file system cannot do it; callers then fall
/// back to plain renames or copies.</remarks>
internal static class NativeFileSystem
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    /// <summary>Swaps <paramref name="a"/> and <paramref name="b"/> (both exist) atomically; false when not supported here.</summary>
    public static bool TryExchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Makes <paramref name="link"/> a hard link to <paramref name="existing"/>; false when not possible.</summary>
    public static bool TryHardLink(string existing, string link)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())) return false;
        try
        {
            return Link(existing, link) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The kind of file at a path, as far as an output cares.</summary>
    public enum FileKind { Missing, Regular, Directory, Other, Unknown }

    /// <summary>What <paramref name="path"/> is (following symbolic links); <see cref="FileKind.Unknown"/> where
    /// <c>stat</c> cannot be called (then .NET's view is used: a file or a folder).</summary>
    public static FileKind KindOf(string path)
    {
        int? offset = ModeOffset();
        if (offset is { } at)
        {
            try
            {
                var buffer = new byte[512];
                if (Stat(path, buffer) != 0) return System.IO.Directory.Exists(path) || File.Exists(path) ? FileKind.Unknown : FileKind.Missing;
                int type = BitConverter.ToInt32(buffer, at) & 0xF000;
                return type switch { 0x8000 => FileKind.Regular, 0x4000 => FileKind.Directory, _ => FileKind.Other };
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                // An old C library without the plain stat entry point: fall through.
            }
        }
        if (System.IO.Directory.Exists(path)) return FileKind.Directory;
        return File.Exists(path) ? FileKind.Unknown : FileKind.Missing;
    }

    /// <summary>Where st_mode sits in the C library's struct stat (Linux x64 and arm64; elsewhere unknown).</summary>
    private static int? ModeOffset()
    {
        if (!OperatingSystem.IsLinux()) return null;
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => null,
        };
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int RenameAt2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);
}
