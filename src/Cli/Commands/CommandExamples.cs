namespace SimByz.Cli.Commands;

/// <summary>The "Examples:" block that ends a command's description, so that <c>--help</c> shows how it is used.</summary>
internal static class CommandExamples
{
    public static string Format(params string[] examples)
        => "\n\nExamples:\n" + string.Concat(examples.Select(e => "  " + e + "\n")).TrimEnd('\n');
}
