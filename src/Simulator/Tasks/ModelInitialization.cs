namespace SimByz.Simulator.Tasks;

/// <summary>How a model draws its initial parameters x₀ (spec parameter <c>init</c> of the models that have one).</summary>
/// <remarks>Both schemes draw in managed code from the run's <see cref="Scheduler.RandomStream"/> (purpose
/// <c>model.init</c>), so x₀ is identical on every machine and on both backends.</remarks>
public enum ModelInitialization
{
    /// <summary>
    /// SimByz's scheme, the default (<c>init=he-glorot</c> for <c>mlp</c> and the torch models, <c>init=zero</c>
    /// for <c>softmax</c>): hidden and convolution weights He-uniform U(±√(6/fan_in)) (He et al. 2015), the
    /// output layer Glorot-uniform U(±√(6/(fan_in + fan_out))) (Glorot and Bengio 2010), biases 0; softmax
    /// regression all zero.
    /// </summary>
    Default,

    /// <summary>
    /// PyTorch's defaults for <c>nn.Linear</c> and <c>nn.Conv2d</c> (<c>init=torch</c>, <c>reset_parameters</c>):
    /// weights <c>kaiming_uniform_(a=√5)</c>, i.e. bound = gain·√(3/fan_in) with gain = √(2/(1 + a²)) = √(1/3),
    /// so U(±1/√fan_in); biases U(±1/√fan_in) with the same fan_in (in_features, or in_channels·kh·kw).
    /// Batch-norm keeps γ = 1, β = 0 (PyTorch's defaults too).
    /// </summary>
    Torch,
}
