using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SimByz.Simulator.Output;

/// <summary>
/// An output path (a folder or a file) owned by this process: the path checked, its parent created,
/// an exclusive lock taken and the leftovers of earlier processes removed — all before any computing,
/// so that every problem with the path is one <see cref="SimByzException"/> at once.
/// </summary>
/// <remarks>
/// <para><b>Lock.</b> A hidden sibling <c>.NAME.simbyz-lock</c> opened with <see cref="FileShare.None"/>,
/// which .NET implements with an OS file lock (<c>flock</c> on Unix): the kernel releases it when the
/// process ends, however it ends (SIGKILL included), so a lock is never stale. A second process (or a
/// second owner in this one) gets "in use" at once. The lock file is deleted on release; a process
/// that locked the file just before it was deleted notices (the locked file is no longer the one at
/// the path) and tries again.</para>
/// <para><b>Working copies.</b> Hidden siblings <c>.NAME.simbyz-stage-PID</c> (what is being written)
/// and <c>.NAME.simbyz-old-PID</c> (the previous output while it is replaced). Whoever holds the lock
/// owns them: on acquiring it, those of earlier processes (killed, or out of power) are removed, and
/// an old copy whose replacement never arrived is put back.</para>
/// </remarks>
internal sealed partial class OutputTarget : IDisposable
{
    /// <summary>The longest name NAME.simbyz-stage-PID may take (the usual file-name limit of 255 bytes).</summary>
    private const int MaxNameBytes = 255;

    /// <summary>What the hidden siblings add to the name: '.', ".simbyz-stage-" and a process id.</summary>
    private const int SiblingOverhead = 1 + 14 + 10;

    private static int ProcessId { get; } = Environment.ProcessId;

    private readonly List<string> _createdAncestors = [];
    private FileStream? _lock;

    private OutputTarget(string given, bool folder)
    {
        Given = given;
        IsFolder = folder;
        string what = folder ? "output folder" : "output file";
        if (string.IsNullOrWhiteSpace(given)) throw new SimByzException($"the {what} path is empty");
        if (given.Contains('\0', StringComparison.Ordinal)) throw new SimByzException($"{what} '{given.Replace("\0", "\\0", StringComparison.Ordinal)}': the path holds a NUL character");
        string full;
        try
        {
            full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(given));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or IOException or System.Security.SecurityException)
        {
            throw new SimByzException($"{what} '{given}' is not a usable path: {ex.Message}", ex);
        }
        full = ResolveLinks(full);
        string name = Path.GetFileName(full);
        if (name.Length == 0 || name is "." or "..") throw new SimByzException($"{what} '{given}' names no {(folder ? "folder" : "file")} of its own (it is '{full}')");
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes + SiblingOverhead > MaxNameBytes)
        {
            throw new SimByzException($"{what} '{given}': the name is {bytes} bytes long; SimByz takes names of at most {MaxNameBytes - SiblingOverhead} bytes (it writes hidden working copies beside it)");
        }
        if (folder)
        {
            string cwd = Path.TrimEndingDirectorySeparator(Directory.GetCurrentDirectory());
            if (cwd == full || cwd.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new SimByzException($"{what} '{given}' is the current folder or holds it: give a folder of its own, e.g. runs/NAME");
            }
        }
        FullPath = full;
        Name = name;
        Parent = Path.GetDirectoryName(full)!;
        CheckKind(what);
    }

    /// <summary>The path as the user gave it (for messages).</summary>
    public string Given { get; }

    /// <summary>The absolute path (symbolic links resolved).</summary>
    public string FullPath { get; }

    /// <summary>The folder holding <see cref="FullPath"/>.</summary>
    public string Parent { get; }

    /// <summary>The last component of <see cref="FullPath"/>.</summary>
    public string Name { get; }

    /// <summary>Whether the target is a folder (else a file).</summary>
    public bool IsFolder { get; }

    /// <summary>Set once the output is in place: the folders created for it are then kept.</summary>
    public bool Committed { get; set; }

    private string LockPath => Path.Combine(Parent, $".{Name}.simbyz-lock");

    /// <summary>Checks <paramref name="path"/>, creates its parent, locks it and cleans up after earlier processes.</summary>
    /// <exception cref="SimByzException">A bad path, an unwritable place, or another owner.</exception>
    public static OutputTarget Acquire(string path, bool folder)
    {
        var target = new OutputTarget(path, folder);
        try
        {
            target.CreateParent();
            if (!target.TryLock()) throw target.InUse();
            target.RemoveStaleCopies();
            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>Like <see cref="Acquire"/> for a path that must not exist yet: null when it exists or is locked.</summary>
    public static OutputTarget? TryAcquireNew(string path)
    {
        var target = new OutputTarget(path, folder: true);
        try
        {
            target.CreateParent();
            if (!target.TryLock()) return Release(target);
            target.RemoveStaleCopies();
            if (Directory.Exists(target.FullPath) || File.Exists(target.FullPath)) return Release(target);
            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }

        static OutputTarget? Release(OutputTarget t)
        {
            t.Dispose();
            return null;
        }
    }

    /// <summary>The hidden sibling of this process for <paramref name="kind"/> ("stage" or "old").</summary>
    public string Sibling(string kind) => Path.Combine(Parent, $".{Name}.simbyz-{kind}-{ProcessId.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>A <see cref="SimByzException"/> for an I/O failure on this output.</summary>
    public SimByzException Failure(Exception ex, string? file = null)
    {
        string what = IsFolder ? "output folder" : "output file";
        string where = file is null ? $"{what} '{Given}'" : $"'{Path.Combine(Given, file)}'";
        // .NET ends many I/O messages with " : 'PATH'", which here repeats the path already named.
        string reason = ex.Message.EndsWith('\'') && ex.Message.LastIndexOf(" : '", StringComparison.Ordinal) is > 0 and var at ? ex.Message[..at] : ex.Message;
        return new SimByzException($"cannot write {where}: {Unstaged(reason)}", ex);
    }

    /// <summary><paramref name="message"/> with every working-copy path (<c>.NAME.simbyz-stage-PID</c>) shown as the output path it stands for.</summary>
    public static string Unstaged(string message) => StagedPath().Replace(message, m => m.Groups["sep"].Value + m.Groups["name"].Value);

    /// <summary>Whether a name in a folder is one of SimByz's hidden working files (a lock or a working copy).</summary>
    public static bool IsWorkingName(string name) => WorkingName().IsMatch(name);

    /// <summary>Whether the working file <paramref name="path"/> (a lock) is held by a live process.</summary>
    public static bool IsHeldLock(string path)
    {
        if (!path.EndsWith(".simbyz-lock", StringComparison.Ordinal) || !File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException ex) when (IsLockConflict(ex))
        {
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        ReleaseLock();
        if (Committed) return;
        // Folders made for an output that never came are removed again (when still empty).
        for (int i = _createdAncestors.Count - 1; i >= 0; i--)
        {
            try
            {
                Directory.Delete(_createdAncestors[i]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                break;
            }
        }
    }

    private SimByzException InUse()
        => new($"{(IsFolder ? "output folder" : "output file")} '{Given}' is in use by another simbyz process (it holds '{LockPath}'); wait for it or choose another path");

    private void CheckKind(string what)
    {
        var kind = NativeFileSystem.KindOf(FullPath);
        switch (kind)
        {
            case NativeFileSystem.FileKind.Directory when !IsFolder:
                throw new SimByzException($"{what} '{Given}' is a folder: give the path of a file");
            case NativeFileSystem.FileKind.Regular when IsFolder:
            case NativeFileSystem.FileKind.Unknown when IsFolder:
                throw new SimByzException($"{what} '{Given}' is a file, not a folder");
            case NativeFileSystem.FileKind.Other:
                throw new SimByzException($"{what} '{Given}' is not a regular {(IsFolder ? "folder" : "file")} (a device, pipe or socket): SimByz writes only new files and folders");
        }
        if (NativeFileSystem.KindOf(Parent) is not (NativeFileSystem.FileKind.Directory or NativeFileSystem.FileKind.Missing))
        {
            throw new SimByzException($"{what} '{Given}': '{Parent}' is not a folder");
        }
    }

    private void CreateParent()
    {
        var missing = new List<string>();
        for (string? dir = Parent; dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir)) throw new SimByzException($"{(IsFolder ? "output folder" : "output file")} '{Given}': '{dir}' is a file, not a folder");
            missing.Add(dir);
        }
        missing.Reverse();
        try
        {
            foreach (string dir in missing)
            {
                Directory.CreateDirectory(dir);
                _createdAncestors.Add(dir);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Failure(ex);
        }
    }

    private bool TryLock()
    {
        for (int attempt = 0; attempt < 10; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (IsLockConflict(ex))
            {
                return false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw Failure(ex);
            }
            if (!LockedFileIsAtPath(stream))
            {
                // The previous owner deleted the lock file between our open and our lock: lock the new one.
                stream.Dispose();
                continue;
            }
            _lock = stream;
            return true;
        }
        return false;
    }

    private bool LockedFileIsAtPath(FileStream stream)
    {
        if (OperatingSystem.IsLinux())
        {
            string? target = new FileInfo("/proc/self/fd/" + stream.SafeFileHandle.DangerousGetHandle().ToString(CultureInfo.InvariantCulture)).LinkTarget;
            if (target is not null) return !target.EndsWith(" (deleted)", StringComparison.Ordinal);
        }
        return File.Exists(LockPath);
    }

    private void ReleaseLock()
    {
        if (_lock is null) return;
        try
        {
            File.Delete(LockPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next owner, who takes it over: an unheld lock file is harmless.
        }
        _lock.Dispose();
        _lock = null;
    }

    /// <summary>Removes the working copies of earlier owners (all dead: we hold the lock); restores an old copy whose replacement never arrived.</summary>
    private void RemoveStaleCopies()
    {
        var stale = new List<(string Path, string Kind)>();
        try
        {
            // Matched by the expression, not a search pattern: the name may hold '*' or '?'.
            foreach (string entry in Directory.EnumerateFileSystemEntries(Parent, ".*"))
            {
                var m = WorkingCopy().Match(Path.GetFileName(entry));
                if (m.Success && m.Groups["name"].Value == Name) stale.Add((entry, m.Groups["kind"].Value));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(ex);
        }
        if (!Directory.Exists(FullPath) && !File.Exists(FullPath))
        {
            // Killed between moving the old output aside and moving the new one in: the old one is whole.
            foreach (var (path, kind) in stale.Where(s => s.Kind == "old").OrderBy(s => s.Path, StringComparer.Ordinal))
            {
                try
                {
                    if (IsFolder) Directory.Move(path, FullPath);
                    else File.Move(path, FullPath);
                    stale.Remove((path, kind));
                    break;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw Failure(ex);
                }
            }
        }
        foreach (var (path, _) in stale) DeleteQuietly(path);
    }

    /// <summary>Deletes a file or a folder tree; problems are ignored (the next owner tries again).</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path) && !new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path) || new FileInfo(path).LinkTarget is not null) File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: whoever holds the lock next removes it.
        }
    }

    /// <summary>Whether <paramref name="ex"/> is the lock being held elsewhere (EWOULDBLOCK on Linux and macOS, a sharing violation on Windows).</summary>
    internal static bool IsLockConflict(IOException ex) => ex.HResult is 11 or 35 or unchecked((int)0x80070020);

    private static string ResolveLinks(string full)
    {
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } final) return Path.TrimEndingDirectorySeparator(final.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A link loop or an unreadable link: the path is used as given and fails later with the reason.
        }
        return full;
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.simbyz-(?<kind>stage|old)-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkingCopy();

    [GeneratedRegex(@"(?<sep>^|[/\\])\.(?<name>[^/\\]+?)\.simbyz-stage-[0-9]+(?=$|[/\\' ])", RegexOptions.CultureInvariant)]
    private static partial Regex StagedPath();

    [GeneratedRegex(@"^\..+\.simbyz-(lock|(stage|old)-[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkingName();
}
