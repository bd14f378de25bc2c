// The namespaces nearly every benchmark uses: timing, invariant formatting of figures, and the tensor/model API.
global using System.Diagnostics;
global using System.Globalization;
global using static System.FormattableString;
global using ToolRL.Generation;
global using ToolRL.Models;
global using ToolRL.Torch;
global using static ToolRL.Torch.torch;
