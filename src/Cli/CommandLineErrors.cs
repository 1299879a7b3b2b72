using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SimByz.Cli;

/// <summary>
/// Words a command-line parse error the way SimByz words its other errors: one line naming the option
/// or argument, the value given and what is allowed, instead of the parser's text (which names .NET
/// types such as <c>System.Nullable`1[System.UInt64]</c>) followed by the whole help page.
/// </summary>
internal static class CommandLineErrors
{
    /// <summary>The message for the first problem of <paramref name="parse"/> (which has errors).</summary>
    public static string Describe(ParseResult parse)
    {
        string command = CommandPath(parse.CommandResult);
        if (parse.CommandResult.Command is RootCommand && parse.Tokens.Count == 0)
        {
            return $"no command given: `simbyz --help` lists them ({string.Join(", ", parse.RootCommandResult.Command.Subcommands.Select(c => c.Name))})";
        }
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                string? near = Nearest(token, parse.CommandResult.Command.Options.Where(o => !o.Hidden).Select(o => o.Name));
                return $"unknown option '{token}' for `{command}`{(near is null ? "" : $" (did you mean {near}?)")}; `{command} --help` lists the options";
            }
            if (parse.CommandResult.Command is RootCommand)
            {
                string? near = Nearest(token, parse.CommandResult.Command.Subcommands.Select(c => c.Name));
                return $"unknown command '{token}'{(near is null ? "" : $" (did you mean {near}?)")}; `simbyz --help` lists the commands";
            }
            return $"unexpected argument '{token}' for `{command}`; `{command} --help` shows its usage";
        }
        foreach (var error in parse.Errors)
        {
            switch (error.SymbolResult)
            {
                case ArgumentResult { Parent: OptionResult option } argument when argument.Tokens.Count > 0:
                    return ValueError(option.Option.Name, argument.Tokens[^1].Value, argument.Argument.ValueType, error.Message);
                case ArgumentResult argument when argument.Tokens.Count > 0:
                    return ValueError(argument.Argument.Name, argument.Tokens[^1].Value, argument.Argument.ValueType, error.Message);
                case ArgumentResult argument:
                    return $"`{command}` needs {argument.Argument.Name}; `{command} --help` shows its usage";
                case OptionResult option when option.Tokens.Count == 0:
                    return $"option {option.Option.Name} needs a value; `{command} --help` describes it";
                case OptionResult option when option.Tokens.Count == 1:
                    // One value for a one-value option: the only thing that can be wrong is the value itself.
                    return ValueError(option.Option.Name, option.Tokens[0].Value, option.Option.ValueType, error.Message);
                case OptionResult option:
                    return $"option {option.Option.Name} takes one value, got {option.Tokens.Count.ToString(CultureInfo.InvariantCulture)}: " +
                        string.Join(" ", option.Tokens.Select(t => "'" + t.Value + "'"));
                case CommandResult { Command: var c } when c.Arguments.Count > 0 && c is not RootCommand:
                    return $"`{command}` needs {string.Join(" ", c.Arguments.Select(a => a.Name))}; `{command} --help` shows its usage";
                case CommandResult { Command: var c } when c.Subcommands.Count > 0:
                    return $"`{command}` needs a sub-command ({string.Join(", ", c.Subcommands.Select(s => s.Name))})";
            }
        }
        return OneLine(parse.Errors[0].Message);
    }

    private static string ValueError(string name, string value, Type type, string fallback)
    {
        string? expected = Expected(Nullable.GetUnderlyingType(type) ?? type);
        return expected is null ? $"{name} '{value}': {OneLine(fallback)}" : $"{name} '{value}': expected {expected}";
    }

    /// <summary>What a value of <paramref name="type"/> must look like, in words.</summary>
    private static string? Expected(Type type)
    {
        static string Range<T>(T min, T max) where T : IFormattable
            => $"[{min.ToString(null, CultureInfo.InvariantCulture)}, {max.ToString(null, CultureInfo.InvariantCulture)}]";
        if (type == typeof(int)) return "an integer in " + Range(int.MinValue, int.MaxValue);
        if (type == typeof(long)) return "an integer in " + Range(long.MinValue, long.MaxValue);
        if (type == typeof(ulong)) return "a whole number in " + Range(ulong.MinValue, ulong.MaxValue);
        if (type == typeof(uint)) return "a whole number in " + Range(uint.MinValue, uint.MaxValue);
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(bool)) return "true or false";
        return null;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c) names.Add(c.Command is RootCommand ? "simbyz" : c.Command.Name);
        }
        names.Reverse();
        return string.Join(" ", names);
    }

    /// <summary>The candidate within edit distance 2 of <paramref name="token"/> (closest first), or null.</summary>
    private static string? Nearest(string token, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string c in candidates)
        {
            int d = Distance(token, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private static string OneLine(string text) => string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
