namespace ToolRL.Torch;

/// <summary>An error raised by libtorch (or by the bridge's argument checks); the message is libtorch's own.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TorchException(string message, Exception inner) : base(message, inner)
    {
    }
}
