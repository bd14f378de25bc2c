// Model-area bridge op (owned by the model helper): gradient checkpointing of one function of one tensor (a
// decoder layer), for libtorch 1.13 and 2.x alike (1.13's C++ API has no checkpoint utility).
//
// Forward: runs the function under no-grad (autograd Functions' forwards do), so none of its activations are
// kept; only the input is saved. Backward: re-runs the function on a detached copy of the input with gradients
// enabled and back-propagates the incoming gradient through that fresh graph (a re-entrant backward, as
// PyTorch's reentrant torch.utils.checkpoint does): the function's parameters accumulate their .grad there, and
// the input's gradient is returned to the outer graph. Compute: one extra forward per layer; memory: the layer's
// activations exist for one layer at a time during the backward. The function must be deterministic (Qwen2 has no
// dropout) and must not depend on a KV cache.
//
// The function lives in managed code: a callback (state → owned output handle) plus a release callback, called
// exactly once when the autograd node holding it is destroyed (or at once if the call fails).
#include "bridge.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <string>

using TrlLayerFn = TrlTensor (*)(void* state, TrlTensor input);   // owned input handle → owned output, or null
using TrlReleaseFn = void (*)(void* state);

namespace {

thread_local std::string callback_error;

struct ManagedFunction : torch::CustomClassHolder {
    ManagedFunction(TrlLayerFn fn, TrlReleaseFn release, void* state) : fn(fn), release(release), state(state) {}
    ~ManagedFunction() override { release(state); }

    at::Tensor run(const at::Tensor& input) const {
        callback_error.clear();
        TrlTensor out = fn(state, trl::wrap(input));
        if (out == nullptr) throw std::runtime_error("gradient checkpointing: the checkpointed function failed: " + callback_error);
        at::Tensor result = *out;
        delete out;
        return result;
    }

    TrlLayerFn fn;
    TrlReleaseFn release;
    void* state;
};

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    static variable_list forward(AutogradContext* ctx, const at::Tensor& input, c10::intrusive_ptr<ManagedFunction> fn) {
        ctx->save_for_backward({input});
        ctx->saved_data["fn"] = c10::IValue::make_capsule(fn);
        return {fn->run(input)};                                   // grad mode is off here: no activations kept
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        auto fn = c10::static_intrusive_pointer_cast<ManagedFunction>(ctx->saved_data["fn"].toCapsule());
        at::Tensor output;
        {
            at::AutoGradMode enable(true);
            output = fn->run(input);                               // the layer's forward again, recorded this time
        }
        torch::autograd::backward({output}, {grads[0]});            // parameters' .grad accumulate here
        return {input.grad(), at::Tensor()};
    }
};

}  // namespace

/// output = fn(input) with gradient checkpointing (see above). When the input does not require a gradient (e.g. a
/// frozen embedding) a detached leaf stands in for it so that the node still joins the graph and the function's
/// parameters still get their gradients. Returns a new owned handle, or null with trl_last_error() set.
TRL_API TrlTensor trl_model_checkpoint(TrlTensor input, TrlLayerFn fn, TrlReleaseFn release, void* state) {
    TRL_TRY
    auto managed = c10::make_intrusive<ManagedFunction>(fn, release, state);   // releases the state whatever happens
    at::Tensor x = *input;
    if (!x.requires_grad()) x = x.detach().requires_grad_(true);
    auto out = CheckpointFunction::apply(x, managed);
    return trl::wrap(std::move(out[0]));
    TRL_CATCH_RET(nullptr)
}

/// Called by the managed callback before it returns null: the message of its exception.
TRL_API void trl_model_checkpoint_error(const char* message) { callback_error = message ? message : ""; }
