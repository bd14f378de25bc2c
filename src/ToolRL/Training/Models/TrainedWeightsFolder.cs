using ToolRL.Models;
using ToolRL.Torch.NN;

namespace ToolRL.Training.Models;

/// <summary>
/// The one rule for a trained model's folder, shared by the policy and the critic: a model with LoRA adapters saves
/// (and later loads) only its adapters, any other model its whole weights in Hugging Face layout.
/// </summary>
internal static class TrainedWeightsFolder
{
    /// <summary>Writes the adapters when the model has them, else the whole model.</summary>
    public static void Save(IHfWeightsModel model, string directory)
    {
        if (model.Model.Lora is not null)
        {
            model.SaveAdapter(directory);
        }
        else
        {
            model.SavePretrained(directory);
        }
    }

    /// <summary>
    /// Copies weights from a folder written by <see cref="Save"/>: an adapter folder into the attached adapters, or a
    /// whole model, loaded by <paramref name="loadWhole"/> (in the target's dtype and device), into every weight.
    /// </summary>
    public static void Load<TModel>(TModel model, string directory, Func<string, TModel> loadWhole)
        where TModel : Module, IHfWeightsModel
    {
        if (PeftAdapter.IsAdapterFolder(directory))
        {
            model.LoadAdapter(directory);
            return;
        }
        using var loaded = loadWhole(directory);
        model.LoadStateDict(loaded.StateDict());
    }
}
