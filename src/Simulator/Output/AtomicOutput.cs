using System.Text;

namespace SimByz.Simulator.Output;

/// <summary>
/// Writes a set of output files so that none is ever seen half-written: each file goes to a
/// temporary sibling (<c>.NAME.partial</c>) and all are renamed into place by <see cref="Commit"/>.
/// Disposing without committing (an error, Ctrl-C) deletes the temporaries and leaves any
/// previous files untouched.
/// </summary>
public sealed class AtomicOutput : IDisposable
{
    private readonly List<(string Temp, string Final)> _files = [];
    private bool _committed;

    public AtomicOutput(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    /// <summary>Opens <paramref name="name"/> for writing (UTF-8 without BOM, LF line ends).</summary>
    public TextWriter CreateText(string name)
    {
        var stream = Create(name);
        return new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    /// <summary>Opens <paramref name="name"/> for binary writing.</summary>
    public Stream Create(string name)
    {
        if (_committed) throw new InvalidOperationException("already committed");
        string final = Path.Combine(Directory, name);
        string temp = Path.Combine(Path.GetDirectoryName(final)!, "." + Path.GetFileName(final) + ".partial");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        _files.Add((temp, final));
        return new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None);
    }

    /// <summary>A temporary path for <paramref name="name"/> that a library writes itself (a PNG, say);
    /// renamed into place by <see cref="Commit"/> like the others.</summary>
    public string ReservePath(string name)
    {
        Create(name).Dispose();
        return _files[^1].Temp;
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

    /// <summary>Renames every temporary into place.</summary>
    public void Commit()
    {
        foreach (var (temp, final) in _files) File.Move(temp, final, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        foreach (var (temp, _) in _files)
        {
            try { File.Delete(temp); }
            catch (IOException) { }
        }
    }
}
