using System.Text;
using ToolRL.Torch.IO;

namespace ToolRL.Cli;

/// <summary>
/// Where a line-producing command writes: standard output, or a file replaced through the one atomic writer
/// (temporary sibling + rename), so the output may be the very file the command read and a failure leaves it whole.
/// </summary>
internal static class CommandOutput
{
    /// <summary>Writes <paramref name="lines"/> ("\n"-terminated, UTF-8) to <paramref name="file"/>, or to <paramref name="stdout"/> when it is null.</summary>
    public static void WriteLines(FileInfo? file, IReadOnlyList<string> lines, TextWriter stdout)
    {
        if (file is null)
        {
            foreach (var line in lines)
            {
                stdout.WriteLine(line);
            }
            stdout.Flush();
            return;
        }
        AtomicFile.Write(file.FullName, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var line in lines)
            {
                writer.WriteLine(line);
            }
        });
    }
}
