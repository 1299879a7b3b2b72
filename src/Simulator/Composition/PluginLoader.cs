using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using SimByz.Specs;

namespace SimByz.Simulator.Composition;

/// <summary>
/// Loads plug-in assemblies (<c>--plugin PATH.dll</c>, <c>"plugins": [...]</c>) and lets each add its
/// components to a copy of the catalogues.
/// </summary>
/// <remarks>
/// <para>Each plug-in gets its own <see cref="AssemblyLoadContext"/> that resolves its private
/// dependencies from its folder (its <c>.deps.json</c>) but shares every assembly the host already
/// has (SimByz's libraries, the framework), so its components implement the host's interfaces.
/// Plug-in types are found by reflection: every public, non-abstract <see cref="ISimByzPlugin"/> with a
/// parameterless constructor, in ordinal order of full name (deterministic). The same file given
/// twice (same SHA-256) loads once.</para>
/// <para>Identity: assembly name, informational version and the SHA-256 of the file, recorded in
/// traces and summaries so that a replay with another build of the plug-in is refused.</para>
/// </remarks>
public static class PluginLoader
{
    /// <summary>Loads <paramref name="paths"/> in order into <paramref name="root"/>'s catalogues.</summary>
    /// <exception cref="SimByzException">A missing or unreadable file, not a .NET assembly, no plug-in type,
    /// a failing registration, or a name clash (naming both origins).</exception>
    public static CompositionRoot Load(CompositionRoot root, IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(root);
        var catalogs = root.Catalogs;
        var plugins = root.Plugins.ToList();
        foreach (string given in paths)
        {
            string path = FullPath(given);
            if (Directory.Exists(path)) throw new SimByzException($"plug-in '{given}' is a folder: give the path of the plug-in's .dll");
            if (!File.Exists(path)) throw new SimByzException($"plug-in '{given}' does not exist");
            string sha = Sha256Of(path, given);
            if (plugins.Any(p => p.Origin.Sha256 == sha)) continue;
            Assembly assembly;
            try
            {
                assembly = new PluginLoadContext(path).LoadFromAssemblyPath(path);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
            {
                throw new SimByzException($"plug-in '{given}' is not a loadable .NET assembly: {e.Message}", e);
            }
            var name = assembly.GetName();
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? name.Version?.ToString() ?? "0.0.0";
            var origin = new ComponentOrigin(name.Name ?? Path.GetFileNameWithoutExtension(path), version, sha, path);
            var registrar = new PluginRegistrar(catalogs, origin);
            var types = PluginTypes(assembly, given);
            foreach (var type in types)
            {
                ISimByzPlugin plugin;
                try
                {
                    plugin = (ISimByzPlugin)Activator.CreateInstance(type)!;
                    plugin.Register(registrar);
                }
                catch (SimByzException)
                {
                    throw;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    var inner = e is TargetInvocationException { InnerException: { } ie } ? ie : e;
                    throw new SimByzException($"plug-in '{given}': {type.FullName} failed to register: {inner.GetType().Name}: {inner.Message}", inner);
                }
            }
            catalogs = registrar.Catalogs;
            plugins.Add(new PluginInfo(origin, registrar.Added.ToList()));
        }
        return root with { Catalogs = catalogs, Plugins = plugins };
    }

    /// <summary>The full path of a plug-in as given, or a <see cref="SimByzException"/> when it is empty or no path at all
    /// (an empty <c>--plugin ""</c> or a NUL in a scenario's <c>plugins</c> used to end the process with a stack trace).</summary>
    private static string FullPath(string given)
    {
        if (string.IsNullOrWhiteSpace(given)) throw new SimByzException("a plug-in path is empty: give the path of the plug-in's .dll");
        try
        {
            return Path.GetFullPath(given);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new SimByzException($"plug-in '{given}' is not a usable path: {e.Message}", e);
        }
    }

    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="path"/>.</summary>
    public static string Sha256Of(string path, string? shownAs = null)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"plug-in '{shownAs ?? path}' cannot be read: {e.Message}", e);
        }
    }

    private static List<Type> PluginTypes(Assembly assembly, string given)
    {
        Type[] exported;
        try
        {
            exported = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new SimByzException($"plug-in '{given}': its types cannot be loaded ({e.Message}); was it built against this version of SimByz?", e);
        }
        var types = exported
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ISimByzPlugin).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        if (types.Count == 0)
        {
            throw new SimByzException($"plug-in '{given}' defines no public class implementing {nameof(ISimByzPlugin)} with a parameterless constructor");
        }
        return types;
    }

    /// <summary>Resolves a plug-in's own dependencies from its folder; everything the host has comes from the host.</summary>
    private sealed class PluginLoadContext(string path) : AssemblyLoadContext($"simbyz-plugin:{path}")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Whatever the host can load (SimByz's libraries, the framework, the host's packages) is shared,
            // so plug-in components implement the host's interfaces, not private copies of them.
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException)
            {
            }
            string? file = _resolver.ResolveAssemblyToPath(assemblyName);
            return file is null ? null : LoadFromAssemblyPath(file);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            string? file = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return file is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(file);
        }
    }
}
