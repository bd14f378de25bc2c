using System.Text;
using ToolRL.Torch.IO;

namespace ToolRL.Torch.Tests;

/// <summary>AtomicFile: a target holds the old content or the new, never a torn mix, and no temporary file outlives a write.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReplacesContentWithoutLeftovers()
    {
        var path = Path.Combine(_dir, "f.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void WriteThatThrowsMidwayKeepsTheOldFileAndLeavesNoTemporary()
    {
        var path = Path.Combine(_dir, "model.safetensors");
        AtomicFile.WriteAllText(path, "complete old content");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(Encoding.UTF8.GetBytes("half of the new"));
            stream.Flush();
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal("complete old content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void WriteThatThrowsOnANewTargetLeavesNothing()
    {
        var path = Path.Combine(_dir, "sub", "new.txt");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.WriteByte(1);
            throw new InvalidOperationException("bad");
        }));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sub")));
    }

    [Fact]
    public void FailedCopyKeepsTheOldTarget()
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<FileNotFoundException>(() => AtomicFile.Copy(Path.Combine(_dir, "missing.json"), path));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void ConcurrentWritersOfOneTargetNeverTearIt()
    {
        // Each writer writes a long run of one letter; a shared temporary name would mix letters or throw.
        var path = Path.Combine(_dir, "shared.txt");
        var contents = Enumerable.Range(0, 4).Select(i => new string((char)('a' + i), 200_000)).ToArray();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => AtomicFile.WriteAllText(path, contents[i % 4]));
        Assert.Contains(File.ReadAllText(path), contents);
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void TextAndLinesAreUtf8WithoutBomAndLfEndings()
    {
        var text = Path.Combine(_dir, "t.txt");
        var lines = Path.Combine(_dir, "l.txt");
        AtomicFile.WriteAllText(text, "é\n");
        AtomicFile.WriteAllLines(lines, ["é", "x"]);
        Assert.Equal(new byte[] { 0xC3, 0xA9, 0x0A }, File.ReadAllBytes(text));
        Assert.Equal(new byte[] { 0xC3, 0xA9, 0x0A, 0x78, 0x0A }, File.ReadAllBytes(lines));
    }
}
