
namespace ToolRL.Benchmarks.Torch;

/// <summary>Runs a python3-torch snippet with /usr/bin/python3 and returns its last stdout line (the reference figure).</summary>
internal static class PythonReference
{
    public static string? Run(string script)
    {
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            p.StandardInput.Write(script);
            p.StandardInput.Close();
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"  python3-torch reference failed: {error.Trim()}");
                return null;
            }
            return output.Trim().Split('\n')[^1];
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"  /usr/bin/python3 not runnable ({e.Message}); no reference figure");
            return null;
        }
    }
}
