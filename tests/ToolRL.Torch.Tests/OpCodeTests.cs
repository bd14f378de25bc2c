using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The C# op-code enums (src/ToolRL.Torch/Native/OpCodes.cs) and the bridge's switch statements follow one list,
/// native/src/op_codes.h; the bridge returns that list as text (trl_op_codes) and here every family must match
/// its enum member by member, both ways, so a code added, dropped or renumbered on one side only is caught.
/// </summary>
public sealed class OpCodeTests
{
    private static readonly Type[] Families =
    [
        typeof(Unary), typeof(Binary), typeof(ScalarOp), typeof(InPlace), typeof(InPlaceScalar), typeof(ReduceAll),
        typeof(ReduceDims), typeof(PairOp), typeof(DimOp), typeof(ShapeOp), typeof(SplitOp), typeof(IndexOp),
        typeof(ScatterOp), typeof(FillKind), typeof(RandomKind), typeof(RandomFillKind),
    ];

    [Fact]
    public void ManagedEnumsEqualTheBridgesTable()
    {
        var native = NativeTable();
        var managed = Families
            .SelectMany(f => Enum.GetNames(f).Select(n => $"{f.Name}.{n}={Convert.ToInt32(Enum.Parse(f, n))}"))
            .ToHashSet();
        Assert.Empty(managed.Except(native));   // in C# only: the bridge would not know the code (or means another op)
        Assert.Empty(native.Except(managed));   // in the bridge only: the C# side cannot reach it
    }

    [Fact]
    public void EveryNativeFamilyHasAManagedEnum()
    {
        var nativeFamilies = NativeTable().Select(line => line[..line.IndexOf('.')]).ToHashSet();
        Assert.Equal(Families.Select(f => f.Name).Order(), nativeFamilies.Order());
    }

    [Fact]
    public void TableIsTheOneTheOpsUse()
    {
        // A spot check that the table describes the switch: the code it gives for Sqrt computes a square root.
        var code = NativeTable().Single(l => l.StartsWith("Unary.Sqrt=", StringComparison.Ordinal)).Split('=')[1];
        using var scope = torch.NewScope();
        var x = torch.FromArray(new[] { 4f, 9f, 0.25f });
        var y = new Tensor(NativeMethods.Check(NativeMethods.trl_unary(x.Handle, int.Parse(code, System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(new[] { 2f, 3f, 0.5f }, y.ToArray<float>());
    }

    private static HashSet<string> NativeTable()
    {
        var text = Marshal.PtrToStringUTF8(NativeMethods.trl_op_codes()) ?? "";
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Length, lines.Distinct().Count());
        return lines.ToHashSet();
    }
}
