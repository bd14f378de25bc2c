namespace ToolRL.Models;

/// <summary>
/// Llama 3.x RoPE scaling (config.json <c>rope_scaling</c> with <c>rope_type</c> "llama3"): each rotary frequency of
/// wavelength λ = 2π / f is kept when λ &lt; original / <see cref="HighFreqFactor"/>, divided by <see cref="Factor"/> when
/// λ &gt; original / <see cref="LowFreqFactor"/>, and interpolated between the two in the band between
/// (transformers' <c>_compute_llama3_parameters</c>; Meta's <c>apply_scaling</c>).
/// </summary>
/// <param name="Factor">Divisor of the low frequencies (8 for Llama 3.1, 32 for Llama 3.2).</param>
/// <param name="LowFreqFactor">original / LowFreqFactor is the longest wavelength left unscaled by the smooth band (1).</param>
/// <param name="HighFreqFactor">original / HighFreqFactor is the shortest wavelength the scaling touches (4).</param>
/// <param name="OriginalMaxPositionEmbeddings">The context length of pre-training before scaling (8192).</param>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, long OriginalMaxPositionEmbeddings)
{
    /// <summary>
    /// The scaled inverse frequencies, computed in float32 element by element as transformers does on float32 tensors.
    /// </summary>
    public float[] Apply(float[] inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        float factor = (float)Factor, low = (float)LowFreqFactor, high = (float)HighFreqFactor, original = OriginalMaxPositionEmbeddings;
        float lowFreqWavelength = (float)(OriginalMaxPositionEmbeddings / LowFreqFactor);     // python float division, then compared in float32
        float highFreqWavelength = (float)(OriginalMaxPositionEmbeddings / HighFreqFactor);
        var scaled = new float[inverseFrequencies.Length];
        for (var i = 0; i < scaled.Length; i++)
        {
            var f = inverseFrequencies[i];
            var wavelength = (float)(2 * Math.PI) / f;
            if (wavelength < highFreqWavelength)
            {
                scaled[i] = f;                                                                // high frequency: kept
            }
            else if (wavelength > lowFreqWavelength)
            {
                scaled[i] = f / factor;                                                       // low frequency: divided
            }
            else
            {
                var smooth = (original / wavelength - low) / (high - low);                    // 0 at λ = low bound, 1 at λ = high bound
                scaled[i] = (1 - smooth) * f / factor + smooth * f;
            }
        }
        return scaled;
    }
}
