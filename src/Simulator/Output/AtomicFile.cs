using System.Globalization;
using System.Text;

namespace SimByz.Simulator.Output;

/// <summary>
/// One output file owned by one process and written all or nothing: the bytes go to a hidden sibling
/// (<c>.NAME.simbyz-stage-PID</c>) and <see cref="Commit"/> renames it over the path in one step.
/// </summary>
/// <remarks>
/// Constructing one checks the path (not a folder, not a device such as <c>/dev/null</c>, a name of
/// usable length), creates its folder and takes its exclusive lock (see <see cref="OutputTarget"/>),
/// before anything is computed. Disposing without committing deletes the hidden file; the next owner of
/// the path removes one left by a killed process. A write error is a <see cref="SimByzException"/>
/// naming the file. Not thread-safe.
/// </remarks>
public sealed class AtomicFile : IDisposable
{
    private readonly OutputTarget _target;
    private readonly string _staging;
    private bool _opened;
    private bool _committed;

    /// <summary>Takes <paramref name="path"/> for this process.</summary>
    /// <exception cref="SimByzException">The path is unusable or in use by another process.</exception>
    public AtomicFile(string path)
    {
        _target = OutputTarget.Acquire(path, folder: false);
        _staging = _target.Sibling("stage");
    }

    /// <summary>The file as given.</summary>
    public string Path => _target.Given;

    /// <summary>The file's absolute path.</summary>
    public string FullPath => _target.FullPath;

    /// <summary>Opens the file for binary writing (once).</summary>
    public Stream Create()
    {
        if (_committed || _opened) throw new InvalidOperationException("the file is already open or committed");
        _opened = true;
        try
        {
            return new OutputStream(new FileStream(_staging, FileMode.Create, FileAccess.Write, FileShare.None), _target, "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex);
        }
    }

    /// <summary>Opens the file for text (UTF-8 without BOM, LF line ends).</summary>
    public TextWriter CreateText() => new StreamWriter(Create(), new UTF8Encoding(false)) { NewLine = "\n" };

    /// <summary>Renames the written file over the path.</summary>
    public void Commit()
    {
        if (_committed) throw new InvalidOperationException("already committed");
        try
        {
            if (!_opened) File.WriteAllBytes(_staging, []);
            File.Move(_staging, _target.FullPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw _target.Failure(ex);
        }
        _committed = true;
        _target.Committed = true;
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> through a temporary sibling and one rename,
    /// without taking a lock: for files inside a folder this process already owns (a sweep's stored runs,
    /// written from several threads under distinct names).
    /// </summary>
    public static void WriteAllText(string path, string text)
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.simbyz-stage-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            OutputTarget.DeleteQuietly(temp);
            throw;
        }
    }

    public void Dispose()
    {
        if (!_committed) OutputTarget.DeleteQuietly(_staging);
        _target.Dispose();
    }
}
