using System.Globalization;
using FsCheck.Xunit;

namespace SimByz.Tests.Properties;

/// <summary>
/// The number of cases every FsCheck property runs: <see cref="DefaultMaxTest"/> (CI-sized) unless
/// the environment variable <c>SIMBYZ_PROPERTY_MAXTEST</c> says otherwise, e.g.
/// <c>SIMBYZ_PROPERTY_MAXTEST=10000 bash scripts/test</c> for a long soak run.
/// </summary>
/// <remarks>
/// <para>How to use: write <c>[BudgetedProperty]</c> instead of <c>[Property]</c> on every property
/// (it sets <c>MaxTest</c> to <see cref="MaxTest"/>; all other <c>[Property]</c> settings —
/// <c>Arbitrary</c>, <c>Replay</c>, <c>Verbose</c> — work as usual). A property whose single case is
/// expensive declares <c>[BudgetedProperty(Divisor = 10)]</c> and runs MaxTest/10 cases (at least 1).
/// Code that needs the count itself (e.g. a Bonferroni correction over every case of a run) reads
/// <see cref="MaxTest"/> or <see cref="CasesFor"/>.</para>
/// <para>Why an attribute: FsCheck's <c>[Property(MaxTest = …)]</c> only takes a compile-time
/// constant, but FsCheck.Xunit reads the attribute's properties from the attribute instance at run
/// time, so a derived attribute can set them in its constructor from the environment.</para>
/// <para>Failures print FsCheck's replay seed ("Original seed: (s, g)"); keep a found failure as a
/// regression with <c>[BudgetedProperty(Replay = "s,g")]</c>.</para>
/// </remarks>
public static class PropertyBudget
{
    /// <summary>The environment variable that overrides the budget (a positive integer).</summary>
    public const string EnvironmentVariable = "SIMBYZ_PROPERTY_MAXTEST";

    /// <summary>Cases per property when the variable is not set.</summary>
    public const int DefaultMaxTest = 100;

    /// <summary>Cases per property for this run.</summary>
    public static int MaxTest { get; } = Read(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The cases a property with the given <paramref name="divisor"/> runs: max(1, MaxTest / divisor).</summary>
    public static int CasesFor(int divisor) => Math.Max(1, MaxTest / Math.Max(1, divisor));

    /// <summary>Parses the variable's value; null or blank gives the default.</summary>
    /// <exception cref="InvalidOperationException">Not a positive integer (a typo must not silently run the default).</exception>
    public static int Read(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return DefaultMaxTest;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new InvalidOperationException($"{EnvironmentVariable}='{value}' is not a positive integer");
    }
}

/// <summary>
/// <c>[Property]</c> with <c>MaxTest</c> taken from <see cref="PropertyBudget"/> (see there).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class BudgetedPropertyAttribute : PropertyAttribute
{
    public BudgetedPropertyAttribute() => MaxTest = PropertyBudget.MaxTest;

    /// <summary>Runs <see cref="PropertyBudget.CasesFor"/>(Divisor) cases instead of MaxTest (default 1).</summary>
    public int Divisor
    {
        get;
        set
        {
            field = value;
            MaxTest = PropertyBudget.CasesFor(value);
        }
    } = 1;
}
