using System.Runtime.InteropServices;

namespace ToolRL.Torch.Native;

/// <summary>
/// P/Invoke declarations of the bridge (native/src/*.cpp). Every argument is blittable (handles as
/// <see cref="IntPtr"/>, booleans as <see cref="int"/>), so calls marshal nothing. Handle-returning functions
/// return <see cref="IntPtr.Zero"/> on error and int-returning ones -1; <see cref="Check(IntPtr)"/> turns
/// that into a <see cref="TorchException"/> carrying libtorch's message.
/// </summary>
/// <remarks>
/// <see cref="SuppressGCTransitionAttribute"/> marks only entry points that read one field of a dense tensor or a
/// thread-local/atomic flag: they cannot block, take a lock, allocate, call back or throw, and return in a few
/// nanoseconds, which is what the attribute requires (a suppressed transition would otherwise stall the GC).
/// Anything that runs an ATen op or frees memory (trl_tensor_free may take the CUDA caching allocator's
/// lock) keeps the normal transition.
/// </remarks>
internal static unsafe partial class NativeMethods
{
    internal const string Lib = "toolrl_torch";

    // ---- errors and checks ----
    [DllImport(Lib)] internal static extern IntPtr trl_last_error();
    [DllImport(Lib), SuppressGCTransition] internal static extern long trl_live_tensors();

    internal static IntPtr Check(IntPtr handle)
    {
        if (handle == IntPtr.Zero)
        {
            ThrowLastError();
        }
        return handle;
    }

    internal static void Check(int status)
    {
        if (status < 0)
        {
            ThrowLastError();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowLastError()
    {
        var message = Marshal.PtrToStringUTF8(trl_last_error());
        throw new TorchException(string.IsNullOrEmpty(message) ? "libtorch call failed without a message" : message);
    }

    // ---- lifetime and metadata ----
    [DllImport(Lib)] internal static extern void trl_tensor_free(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern long trl_tensor_dim(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern long trl_tensor_numel(IntPtr t);
    [DllImport(Lib)] internal static extern long trl_tensor_size(IntPtr t, long dim);
    [DllImport(Lib)] internal static extern void trl_tensor_sizes(IntPtr t, long* output);
    [DllImport(Lib)] internal static extern void trl_tensor_strides(IntPtr t, long* output);
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_tensor_dtype(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_tensor_device_type(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_tensor_device_index(IntPtr t);
    [DllImport(Lib)] internal static extern int trl_tensor_is_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr trl_tensor_data_ptr(IntPtr t);
    [DllImport(Lib)] internal static extern int trl_tensor_same_storage(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int trl_tensor_to_string(IntPtr t, delegate* unmanaged<long, IntPtr> alloc);

    // ---- data ----
    [DllImport(Lib)] internal static extern IntPtr trl_tensor_from_data(void* data, long nbytes, long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [DllImport(Lib)] internal static extern int trl_tensor_copy_to(IntPtr t, void* dst, long nbytes);
    [DllImport(Lib)] internal static extern int trl_tensor_item(IntPtr t, double* output);
    [DllImport(Lib)] internal static extern int trl_tensor_item_long(IntPtr t, long* output);

    // ---- factories and random ----
    [DllImport(Lib)] internal static extern IntPtr trl_full(long* shape, int ndim, int kind, double value, int dtype, int devType, int devIndex, int requiresGrad);
    [DllImport(Lib)] internal static extern IntPtr trl_full_like(IntPtr like, int kind, double value, int dtype);
    [DllImport(Lib)] internal static extern IntPtr trl_arange(double start, double end, double step, int dtype, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr trl_linspace(double start, double end, long steps, int dtype, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr trl_eye(long n, int dtype, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr trl_random(long* shape, int ndim, int kind, long low, long high, IntPtr generator, int dtype, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr trl_randperm(long n, IntPtr generator, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr trl_multinomial(IntPtr probs, long n, int replacement, IntPtr generator);
    [DllImport(Lib)] internal static extern int trl_random_(IntPtr t, int kind, double a, double b, IntPtr generator);

    // ---- generators and runtime ----
    [DllImport(Lib)] internal static extern IntPtr trl_generator_new(long seed, int devType, int devIndex);
    [DllImport(Lib)] internal static extern void trl_generator_free(IntPtr g);
    [DllImport(Lib)] internal static extern long trl_generator_seed(IntPtr g);
    [DllImport(Lib)] internal static extern int trl_generator_set_seed(IntPtr g, long seed);
    [DllImport(Lib)] internal static extern IntPtr trl_generator_get_state(IntPtr g);
    [DllImport(Lib)] internal static extern int trl_generator_set_state(IntPtr g, IntPtr state);
    [DllImport(Lib)] internal static extern int trl_manual_seed(long seed);
    [DllImport(Lib)] internal static extern int trl_get_num_threads();
    [DllImport(Lib)] internal static extern int trl_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int trl_cuda_is_available();
    [DllImport(Lib)] internal static extern int trl_cuda_device_count();
    [DllImport(Lib)] internal static extern int trl_torch_version(delegate* unmanaged<long, IntPtr> alloc);

    // ---- autograd ----
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_grad_enabled();
    [DllImport(Lib)] internal static extern void trl_set_grad_enabled(int on);
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_tensor_requires_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int trl_tensor_set_requires_grad(IntPtr t, int on);
    [DllImport(Lib), SuppressGCTransition] internal static extern int trl_tensor_is_leaf(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr trl_tensor_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int trl_tensor_set_grad(IntPtr t, IntPtr grad);
    [DllImport(Lib)] internal static extern int trl_tensor_zero_grad(IntPtr t, int setToNone);
    [DllImport(Lib)] internal static extern int trl_tensor_backward(IntPtr t, IntPtr gradient, int retainGraph);
    [DllImport(Lib)] internal static extern int trl_tensor_retain_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int trl_tensor_set_data(IntPtr t, IntPtr source);
    [DllImport(Lib)] internal static extern IntPtr trl_inference_mode_enter();
    [DllImport(Lib)] internal static extern void trl_inference_mode_exit(IntPtr guard);
    [DllImport(Lib)] internal static extern int trl_is_inference_mode();
    [DllImport(Lib)] internal static extern int trl_tensor_is_inference(IntPtr t);

    // ---- op families (codes in OpCodes.cs) ----
    /// <summary>The bridge's op codes as "Family.Name=code" lines (static text; see native/src/op_codes.h).</summary>
    [DllImport(Lib)] internal static extern IntPtr trl_op_codes();
    [DllImport(Lib)] internal static extern IntPtr trl_unary(IntPtr t, int op);
    [DllImport(Lib)] internal static extern IntPtr trl_binary(IntPtr a, IntPtr b, int op, double alpha);
    [DllImport(Lib)] internal static extern IntPtr trl_binary_scalar(IntPtr a, double value, int op);
    [DllImport(Lib)] internal static extern int trl_inplace(IntPtr a, IntPtr b, int op, double alpha);
    [DllImport(Lib)] internal static extern int trl_inplace_scalar(IntPtr a, double value, int op);
    [DllImport(Lib)] internal static extern IntPtr trl_reduce_all(IntPtr t, int op);
    [DllImport(Lib)] internal static extern IntPtr trl_reduce_dims(IntPtr t, int op, long* dims, int ndims, int keep);
    [DllImport(Lib)] internal static extern int trl_pair_op(IntPtr t, int op, long a, long b, long c, IntPtr* values, IntPtr* indices);
    [DllImport(Lib)] internal static extern IntPtr trl_dim_op(IntPtr t, int op, long a, long b, long c);
    [DllImport(Lib)] internal static extern IntPtr trl_slice(IntPtr t, long dim, long start, long end, long step);
    [DllImport(Lib)] internal static extern IntPtr trl_shape_op(IntPtr t, int op, long* shape, int n);
    [DllImport(Lib)] internal static extern int trl_split(IntPtr t, int op, long size, long dim, delegate* unmanaged<long, IntPtr> alloc);
    [DllImport(Lib)] internal static extern IntPtr trl_index_op(IntPtr t, int op, long dim, IntPtr index);
    [DllImport(Lib)] internal static extern IntPtr trl_scatter_op(IntPtr t, int op, long dim, IntPtr index, IntPtr src);
    [DllImport(Lib)] internal static extern int trl_index_put_(IntPtr t, IntPtr* indices, int n, IntPtr values, int accumulate);
    [DllImport(Lib)] internal static extern IntPtr trl_index(IntPtr t, IntPtr* indices, int n);
    [DllImport(Lib)] internal static extern IntPtr trl_masked_fill(IntPtr t, IntPtr mask, double value);
    [DllImport(Lib)] internal static extern IntPtr trl_masked_select(IntPtr t, IntPtr mask);
    [DllImport(Lib)] internal static extern IntPtr trl_where(IntPtr cond, IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr trl_where_scalar(IntPtr cond, IntPtr a, double b);
    [DllImport(Lib)] internal static extern IntPtr trl_clamp(IntPtr t, int hasMin, double min, int hasMax, double max);
    [DllImport(Lib)] internal static extern IntPtr trl_cat(IntPtr* tensors, int n, long dim, int stack);
    [DllImport(Lib)] internal static extern IntPtr trl_to(IntPtr t, int dtype, int devType, int devIndex, int copy);
    [DllImport(Lib)] internal static extern IntPtr trl_norm_p(IntPtr t, double p, long* dims, int ndims, int keep);
    [DllImport(Lib)] internal static extern int trl_allclose(IntPtr a, IntPtr b, double rtol, double atol, int* output);
    [DllImport(Lib)] internal static extern int trl_equal(IntPtr a, IntPtr b, int* output);

    // ---- composites ----
    [DllImport(Lib)] internal static extern IntPtr trl_linear(IntPtr x, IntPtr w, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr trl_embedding(IntPtr weight, IntPtr ids);
    [DllImport(Lib)] internal static extern IntPtr trl_cross_entropy(IntPtr logits, IntPtr targets, long ignoreIndex, int reduction, double labelSmoothing);
    [DllImport(Lib)] internal static extern IntPtr trl_rms_norm(IntPtr x, IntPtr weight, double eps);
    [DllImport(Lib)] internal static extern IntPtr trl_silu_mul(IntPtr gate, IntPtr up);
    [DllImport(Lib)] internal static extern IntPtr trl_rotary(IntPtr x, IntPtr cos, IntPtr sin);
    [DllImport(Lib)] internal static extern IntPtr trl_attention(IntPtr q, IntPtr k, IntPtr v, IntPtr mask, int causal, double scale);
    [DllImport(Lib)] internal static extern IntPtr trl_token_logprobs(IntPtr logits, IntPtr ids);
    [DllImport(Lib)] internal static extern IntPtr trl_entropy_from_logits(IntPtr logits);
    [DllImport(Lib)] internal static extern int trl_adamw_step(IntPtr* parameters, IntPtr* expAvg, IntPtr* expAvgSq, int n, long step, double lr, double beta1, double beta2, double eps, double weightDecay);
    [DllImport(Lib)] internal static extern int trl_clip_grad_norm(IntPtr* parameters, int n, double maxNorm, double normType, double* total);
}
