/* The CUDA target's launcher: the whole run in one cooperative kernel whose
 * grid is the team of solver.c (grid-stride loops, the grid's barrier between
 * phases), so no step returns to the host.  The host (myriad/cuda_runtime.py)
 * copies every array of the context to the device once, puts a context whose
 * pointers are device pointers in device memory, launches, and copies back.
 * Spikes are appended to a device buffer; a launch that might overflow it
 * stops after a step (c->done), the host drains it and launches again.
 *
 * Exported with C linkage for ctypes; every call returns a cudaError_t (0 is
 * success) whose text myr_cuda_error gives.
 */

#ifdef MYR_CUDA_EMULATE
#define MYR_CUDA_BLOCK 1        /* an emulated block is one CPU thread */
#else
#define MYR_CUDA_BLOCK 128
#endif

__global__ void __launch_bounds__(MYR_CUDA_BLOCK) myr_kernel(myr_ctx *c)
{
    myr_team_run(c, NULL);
}

extern "C" {

const char *myr_cuda_error(int32_t code)
{
    return cudaGetErrorString((cudaError_t)code);
}

/* The device's name, compute capability, multiprocessors, memory (bytes) and
 * whether it can launch cooperative kernels; error 100 (no device) and 35
 * (driver too old) are what machines without a usable GPU answer. */
int32_t myr_cuda_device(char *name, int32_t name_len, int32_t *major, int32_t *minor, int32_t *sms,
                        int64_t *memory, int32_t *cooperative)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        return e;
    }
    if (count < 1) {
        return 100;     /* cudaErrorNoDevice */
    }
    cudaDeviceProp prop;
    e = cudaGetDeviceProperties(&prop, 0);
    if (e != cudaSuccess) {
        return e;
    }
    snprintf(name, (size_t)name_len, "%s", prop.name);
    *major = prop.major;
    *minor = prop.minor;
    *sms = prop.multiProcessorCount;
    *memory = (int64_t)prop.totalGlobalMem;
    *cooperative = prop.cooperativeLaunch;
    return cudaSetDevice(0);
}

int32_t myr_cuda_alloc(void **p, int64_t nbytes)
{
    return cudaMalloc(p, (size_t)(nbytes > 0 ? nbytes : 1));
}

int32_t myr_cuda_free(void *p)
{
    return cudaFree(p);
}

int32_t myr_cuda_put(void *device, const void *host, int64_t nbytes)
{
    return cudaMemcpy(device, host, (size_t)nbytes, cudaMemcpyHostToDevice);
}

int32_t myr_cuda_get(void *host, const void *device, int64_t nbytes)
{
    return cudaMemcpy(host, device, (size_t)nbytes, cudaMemcpyDeviceToHost);
}

/* The threads per block, and how many blocks can be resident at once (a
 * cooperative launch may not ask for more). */
int32_t myr_cuda_grid(int32_t *block, int32_t *resident)
{
    int per_sm = 0, device = 0;
    cudaDeviceProp prop;
    cudaError_t e = cudaGetDeviceProperties(&prop, device);
    if (e == cudaSuccess) {
        e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, myr_kernel, MYR_CUDA_BLOCK, 0);
    }
    *block = MYR_CUDA_BLOCK;
    *resident = per_sm * prop.multiProcessorCount;
    return e;
}

/* Run the kernel on the context at c (device memory) with `blocks` blocks and
 * wait for it. */
int32_t myr_cuda_launch(myr_ctx *c, int32_t blocks)
{
#ifdef MYR_CUDA_EMULATE
    const int threads = blocks * MYR_CUDA_BLOCK;
    myr_barrier *barrier = NULL;        /* the grid's barrier: the team's, as on the OpenMP target */
#ifdef MYR_TEAM_BARRIER
    if (threads > 1 && !(barrier = myr_barrier_new())) {
        return cudaErrorMemoryAllocation;
    }
#endif
    #pragma omp parallel num_threads(threads)
    {
        myr_team_begin(barrier);
        myr_kernel(c);
        myr_team_end();
    }
    myr_barrier_free(barrier);
    return cudaSuccess;
#else
    void *args[] = {&c};
    cudaError_t e = cudaLaunchCooperativeKernel((const void *)myr_kernel, dim3(blocks), dim3(MYR_CUDA_BLOCK),
                                                args, 0, 0);
    if (e != cudaSuccess) {
        return e;
    }
    return cudaDeviceSynchronize();
#endif
}

}
