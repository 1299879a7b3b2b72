namespace SimByz.Simulator.Tasks;

/// <summary>Loss and accuracy on a set of examples.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);
