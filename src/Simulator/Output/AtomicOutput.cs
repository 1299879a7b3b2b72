using System.Text;

namespace SimByz.Simulator.Output;

/// <summary>
/// An output folder owned by one process whose files appear together or not at all: everything is
/// written into a hidden sibling folder and moved into place by one rename in <see cref="Commit"/>.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> Constructing one checks the path, creates its parent and takes the folder's
/// exclusive lock (see <see cref="OutputTarget"/>), so a second process writing to the same folder
/// gets one clear error at once, before anything is computed; so does a path that is a file, a device,
/// unwritable, or a name too long.</para>
/// <para><b>Replacing a folder.</b> After <see cref="Commit"/> the folder holds exactly the files written
/// (plus the entries named in <c>keep</c>, carried over from the folder it replaces: hard links, else
/// copies). A folder that does not exist appears by one rename. An existing folder is swapped with the
/// new one in one step (Linux <c>renameat2(RENAME_EXCHANGE)</c>); where that is not available it is
/// moved aside and the new one moved in, and a process killed between the two renames leaves the old
/// folder aside, which the next owner puts back. Either way a reader sees the old files or the new
/// ones, never a mixture. To protect folders that are not SimByz outputs, an existing non-empty folder
/// is replaced only when every entry in it is one SimByz writes (<see cref="IsSimByzOutputName"/>, or
/// the caller's <c>replaces</c>); otherwise the constructor refuses.</para>
/// <para><b>Failure.</b> Disposing without committing (an error, Ctrl-C, SIGTERM) deletes the hidden
/// folder and any parent folder created for the output, and leaves an existing folder untouched. A
/// process killed outright (SIGKILL) leaves its hidden folder, which the next owner of the path removes.
/// A write error (a full disk, a read-only mount) is a <see cref="SimByzException"/> naming the file.</para>
/// <para>Not thread-safe: one thread writes an output.</para>
/// </remarks>
public sealed class AtomicOutput : IDisposable
{
    /// <summary>The names SimByz writes into output folders (run, replay, export, sweep).</summary>
    private static readonly HashSet<string> OutputNames = new(StringComparer.Ordinal)
    {
        "trace.jsonl", "metrics.csv", "summary.json", "plot.png", "payloads.bin", "payloads.index.jsonl",
        "comparison.csv", "messages.csv", "messages-summary.json", "counterfactual", "messages", "trace.perfetto.json",
        "results.csv", "summary.md", "heatmap.png", "heatmap.svg", "accuracy.png", "accuracy.svg", "plot.svg", "runs", "slurm",
        "scenario.schema.json", "sweep-grid.schema.json",
    };

    private readonly OutputTarget _target;
    private readonly string _staging;
    private readonly IReadOnlyList<string> _keep;
    private bool _committed;

    /// <summary>Takes <paramref name="directory"/> for this process (see the remarks).</summary>
    /// <param name="directory">The output folder; created with its parents if missing.</param>
    /// <param name="replaces">Also replaceable in an existing folder: names for which this returns true (a reproduction's own files, say).</param>
    /// <param name="keep">Entries of an existing folder carried into the new one (a sweep's store of finished runs).</param>
    /// <exception cref="SimByzException">The path is unusable, in use by another process, or an existing folder holds files SimByz did not write.</exception>
    public AtomicOutput(string directory, Func<string, bool>? replaces = null, IReadOnlyList<string>? keep = null)
        : this(OutputTarget.Acquire(directory, folder: true), replaces, keep)
    {
    }

    private AtomicOutput(OutputTarget target, Func<string, bool>? replaces, IReadOnlyList<string>? keep)
    {
        _target = target;
        _keep = keep ?? [];
        Directory = target.Given;
        _staging = target.Sibling("stage");
        try
        {
            CheckReplaceable(replaces);
            System.IO.Directory.CreateDirectory(_staging);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            target.Dispose();
            throw target.Failure(ex);
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new folder named <paramref name="baseDirectory"/>, or <c>-2</c>, <c>-3</c>, … appended when taken:
    /// a folder that exists or that another process is writing is skipped, so two processes asking at
    /// once get different folders.
    /// </summary>
    public static AtomicOutput CreateNew(string baseDirectory, Func<string, bool>? replaces = null)
    {
        for (int k = 1; k <= 100_000; k++)
        {
            string candidate = k == 1 ? baseDirectory : $"{baseDirectory}-{k}";
            if (OutputTarget.TryAcquireNew(candidate) is { } target) return new AtomicOutput(target, replaces, null);
        }
        throw new SimByzException($"no free output folder named '{baseDirectory}' or '{baseDirectory}-N': give one with --out");
    }

    /// <summary>The output folder as given.</summary>
    public string Directory { get; }

    /// <summary>The output folder's absolute path.</summary>
    public string FullPath => _target.FullPath;

    /// <summary><paramref name="message"/> (an I/O error's) with hidden working-copy paths shown as the output paths they stand for.</summary>
    public static string WithOutputPaths(string message) => OutputTarget.Unstaged(message);

    /// <summary>Whether <paramref name="name"/> is a file or folder name SimByz writes into an output folder.</summary>
    public static bool IsSimByzOutputName(string name) => OutputNames.Contains(name) || OutputTarget.IsWorkingName(name);

    /// <summary>Opens <paramref name="name"/> for writing (UTF-8 without BOM, LF line ends).</summary>
    public TextWriter CreateText(string name)
    {
        var stream = Create(name);
        return new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    /// <summary>Opens <paramref name="name"/> (a relative path) for binary writing.</summary>
    public Stream Create(string name)
    {
        string path = StagedPath(name);
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new OutputStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None), _target, name);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, name);
        }
    }

    /// <summary>Opens the working file <paramref name="name"/> for writing (UTF-8 without BOM, LF line ends): a file that
    /// becomes part of <paramref name="partOf"/> and is deleted (<see cref="Delete"/>) before <see cref="Commit"/>; a write
    /// error names <paramref name="partOf"/>, the file the user asked for.</summary>
    public TextWriter CreateWorkingText(string name, string partOf)
    {
        string path = StagedPath(name);
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var stream = new OutputStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None), _target, partOf);
            return new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, partOf);
        }
    }

    /// <summary>Opens the working file <paramref name="name"/> for binary writing (see <see cref="CreateWorkingText"/>); a write
    /// error names <paramref name="partOf"/>.</summary>
    public Stream CreateWorking(string name, string partOf)
    {
        string path = StagedPath(name);
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new BufferedStream(new OutputStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None), _target, partOf), 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, partOf);
        }
    }

    /// <summary>Opens <paramref name="name"/>, written into this output before, for binary reading.</summary>
    public Stream OpenRead(string name)
    {
        string path = StagedPath(name);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, name);
        }
    }

    /// <summary>Opens <paramref name="name"/>, written into this output before, for reading (UTF-8).</summary>
    public TextReader OpenText(string name)
    {
        string path = StagedPath(name);
        try
        {
            return new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, name);
        }
    }

    /// <summary>Deletes <paramref name="name"/> from this output (a working file once used).</summary>
    public void Delete(string name)
    {
        string path = StagedPath(name);
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex, name);
        }
    }

    /// <summary>The path where a library writes <paramref name="name"/> itself (a PNG, say); moved into place by <see cref="Commit"/> with the others.</summary>
    public string ReservePath(string name)
    {
        Create(name).Dispose();
        return StagedPath(name);
    }

    /// <summary>Writes a whole text file.</summary>
    public void WriteAllText(string name, string text)
    {
        using var w = CreateText(name);
        w.Write(text);
    }

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and checks that a file can be written in it, so a
    /// long computation does not end in an unwritable folder. Throws <see cref="SimByzException"/> naming it.
    /// </summary>
    /// <remarks>Only a check: it neither owns the folder nor makes writes atomic (construct an <see cref="AtomicOutput"/> for that).</remarks>
    public static void EnsureWritable(string directory)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, ".simbyz-write-probe");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SimByzException($"cannot write to the output folder '{directory}': {ex.Message}", ex);
        }
    }

    /// <summary>Moves the written files into place as one folder (see the remarks).</summary>
    /// <exception cref="SimByzException">The file system refused (the output stays as it was).</exception>
    public void Commit()
    {
        if (_committed) throw new InvalidOperationException("already committed");
        string target = _target.FullPath;
        try
        {
            if (System.IO.Directory.Exists(target))
            {
                CarryOver(target);
                if (!NativeFileSystem.TryExchange(_staging, target))
                {
                    string old = _target.Sibling("old");
                    System.IO.Directory.Move(target, old);
                    System.IO.Directory.Move(_staging, target);
                    OutputTarget.DeleteQuietly(old);
                }
                else
                {
                    // The staging path now holds the replaced folder.
                    OutputTarget.DeleteQuietly(_staging);
                }
            }
            else
            {
                System.IO.Directory.Move(_staging, target);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex);
        }
        _committed = true;
        _target.Committed = true;
    }

    public void Dispose()
    {
        if (!_committed) OutputTarget.DeleteQuietly(_staging);
        _target.Dispose();
    }

    private string StagedPath(string name)
    {
        if (_committed) throw new InvalidOperationException("already committed");
        if (Path.IsPathRooted(name) || name.Split('/', '\\').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{name}' is not a relative file name inside the output folder", nameof(name));
        }
        return Path.Combine(_staging, name);
    }

    /// <summary>Refuses to replace a folder holding something SimByz did not write, or an output another process is writing inside it.</summary>
    private void CheckReplaceable(Func<string, bool>? replaces)
    {
        if (!System.IO.Directory.Exists(_target.FullPath)) return;
        foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(_target.FullPath).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(entry);
            if (OutputTarget.IsHeldLock(entry))
            {
                throw new SimByzException($"output folder '{Directory}' cannot be replaced: another simbyz process is writing inside it ('{name}')");
            }
            if (IsSimByzOutputName(name) || _keep.Contains(name, StringComparer.Ordinal) || replaces?.Invoke(name) == true) continue;
            throw new SimByzException($"output folder '{Directory}' holds '{name}', which SimByz did not write: it replaces only its own output folders " +
                "(give a new or empty folder, or move that file away)");
        }
    }

    /// <summary>Puts the kept entries of the folder being replaced into the new one: hard links (the old
    /// folder keeps its own, so a crash at any point loses nothing), else copies.</summary>
    private void CarryOver(string target)
    {
        foreach (string name in _keep)
        {
            string from = Path.Combine(target, name), to = Path.Combine(_staging, name);
            if (System.IO.Directory.Exists(from)) LinkTree(from, to);
            else if (File.Exists(from)) LinkFile(from, to);
        }
    }

    private static void LinkTree(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (string dir in System.IO.Directory.EnumerateDirectories(from))
        {
            LinkTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
        foreach (string file in System.IO.Directory.EnumerateFiles(from))
        {
            // Working copies of killed writers are not carried over: the old folder takes them away.
            if (OutputTarget.IsWorkingName(Path.GetFileName(file))) continue;
            LinkFile(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static void LinkFile(string from, string to)
    {
        if (!NativeFileSystem.TryHardLink(from, to)) File.Copy(from, to);
    }
}
