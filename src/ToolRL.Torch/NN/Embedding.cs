namespace ToolRL.Torch.NN;

/// <summary>A lookup table of <c>num</c> vectors of size <c>dim</c> (nn.Embedding; key <c>weight</c>).</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table initialised N(0, 1) as PyTorch does.</summary>
    public Embedding(long numEmbeddings, long embeddingDim, DType dtype = DType.Float32, Device? device = null, Generator? generator = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        using (var w = torch.Empty([numEmbeddings, embeddingDim], dtype, device))
        {
            torch.NormalInPlace(w, 0, 1, generator);
            Weight = new Parameter(w);
        }
        RegisterParameter("weight", Weight);
    }

    /// <summary>Rows in the table.</summary>
    public long NumEmbeddings { get; }

    /// <summary>Size of each vector.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The table [num, dim].</summary>
    public Parameter Weight { get; }

    /// <summary>The rows for the int64 <paramref name="ids"/>: shape ids.shape + [dim].</summary>
    public Tensor Forward(Tensor ids) => torch.Embedding(Weight, ids);
}
