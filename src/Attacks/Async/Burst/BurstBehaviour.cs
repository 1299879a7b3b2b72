using SimByz.Specs;

namespace SimByz.Attacks.Async;

/// <summary>
/// Bursts: the Byzantine worker sends k messages at the same instant, flooding an asynchronous
/// server that applies messages one by one (each passes or fails its filter on its own).
/// </summary>
/// <remarks>
/// <c>burst:k=5,mode=copies|distinct</c>: <c>copies</c> (default) sends one crafted row k times;
/// <c>distinct</c> asks the gradient attack for k rows at once (randomized attacks then give k
/// different rows; colluding ones may give identical rows). Default k = 5.
/// </remarks>
internal sealed class BurstBehaviour : IAsyncBehaviour
{
    public static readonly ComponentInfo Info = new(
        "burst", "send k messages at once (copies of one row, or k crafted rows)",
        "asynchronous threat model of Zeno++ (Xie et al., ICML 2020): a Byzantine worker may send at any rate",
        "async protocols only",
        [
            new("k", "integer ≥ 1", "5", "messages per send"),
            new("mode", "copies|distinct", "copies", "copies: one row sent k times; distinct: the attack crafts k rows"),
        ]);

    private BurstBehaviour(int k, BurstMode mode)
    {
        BurstSize = k;
        BurstMode = mode;
        Spec = new SpecText("burst").Add("k", k).Add("mode", mode == BurstMode.Copies ? "copies" : "distinct").ToString();
    }

    public static IAsyncBehaviour Create(SpecParameters p)
        => new BurstBehaviour(
            p.GetInt("k", 5, min: 1, max: 1_000_000),
            p.GetChoice("mode", "copies", "copies", "distinct") == "copies" ? BurstMode.Copies : BurstMode.Distinct);

    public string Spec { get; }

    public int BurstSize { get; }

    public BurstMode BurstMode { get; }
}
