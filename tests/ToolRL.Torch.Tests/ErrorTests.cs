namespace ToolRL.Torch.Tests;

/// <summary>libtorch failures surface as TorchException with libtorch's own message, never a crash.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void ShapeMismatchCarriesLibTorchsMessage()
    {
        using var scope = torch.NewScope();
        var a = torch.Ones([2, 3]);
        var e = Assert.Throws<TorchException>(() => a.MatMul(torch.Ones([2, 3])));
        Assert.Contains("cannot be multiplied", e.Message);
    }

    [Fact]
    public void BadViewAndIndexAreReported()
    {
        using var scope = torch.NewScope();
        var a = torch.Ones([2, 3]);
        Assert.Contains("invalid for input of size 6", Assert.Throws<TorchException>(() => a.View(4, 2)).Message);
        Assert.Contains("out of range", Assert.Throws<TorchException>(() => a.Size(5)).Message);
        Assert.Throws<TorchException>(() => a.IndexSelect(0, torch.FromArray([7L])));
    }

    [Fact]
    public void CudaOnACpuOnlyLibTorchIsAClearError()
    {
        if (torch.CudaIsAvailable)
        {
            return; // only meaningful where the bridge has no CUDA
        }
        using var scope = torch.NewScope();
        var e = Assert.Throws<TorchException>(() => torch.Zeros([2], device: Device.Cuda()));
        Assert.Contains("CUDA", e.Message);
        Assert.Contains("Torch_DIR", e.Message);
        Assert.Throws<TorchException>(() => torch.Ones([2]).To(Device.Parse("cuda:1")));
        Assert.Equal(0, torch.CudaDeviceCount);
    }

    [Fact]
    public void DeviceParsingIsStrict()
    {
        Assert.Equal(Device.Cpu, Device.Parse("CPU"));
        Assert.Equal(Device.Cuda(1), Device.Parse("cuda:1"));
        Assert.Equal("cuda:1", Device.Cuda(1).ToString());
        Assert.Throws<FormatException>(() => Device.Parse("gpu"));
        Assert.Throws<FormatException>(() => Device.Parse("cuda:-1"));
    }

    [Fact]
    public void ShapeAndDataLengthMismatchIsRefusedBeforeNativeCode()
    {
        var e = Assert.Throws<ArgumentException>(() => torch.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Contains("4 elements", e.Message);
    }
}
