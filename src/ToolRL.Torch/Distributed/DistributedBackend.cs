namespace ToolRL.Torch.Distributed;

/// <summary>The c10d communication backend of a <see cref="ProcessGroup"/>.</summary>
public enum DistributedBackend
{
    /// <summary>gloo: CPU tensors over TCP (what this machine runs and the tests cover).</summary>
    Gloo = 0,

    /// <summary>NCCL: CUDA tensors between GPUs; needs a bridge built with <c>-DTOOLRL_WITH_NCCL=ON</c> against a CUDA libtorch.</summary>
    Nccl = 1,
}
