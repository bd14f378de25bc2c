namespace ToolRL.Torch.Distributed;

/// <summary>
/// A collective or the rendezvous failed: a peer rank exited or stopped answering within the group's timeout, the
/// store could not be reached, or the ranks disagreed on a tensor's shape. The message names the operation, this
/// rank, and libtorch's reason (e.g. "Connection closed by peer").
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public DistributedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DistributedException(string message, Exception inner) : base(message, inner)
    {
    }
}
