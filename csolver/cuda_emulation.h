/* The CUDA target on the CPU, for testing without a GPU: with MYR_CUDA_EMULATE
 * the generated .cu file is compiled by the C++ compiler with OpenMP, CUDA's
 * qualifiers vanish, device memory is host memory, and the cooperative grid
 * is one OpenMP team (myr_rank, myr_team and myr_sync in myriad_solver.h use
 * the thread number and the CPU targets' team barrier).  Everything the CUDA target does
 * differently from the OpenMP one (grid-stride loops, the spike buffer
 * appended to atomically and drained between launches, atomic reductions,
 * the launcher and the host's copies) thus runs here as it runs on a device;
 * only the device's own compiler, memory model and mathematical library are
 * not exercised.  The declarations below are those run_cuda.cu uses, with
 * CUDA's names and meanings.
 */
#ifdef MYR_CUDA_EMULATE
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define __host__
#define __device__
#define __global__
#define __launch_bounds__(threads)

typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };

struct cudaDeviceProp {
    char name[256];
    int major, minor, multiProcessorCount, cooperativeLaunch;
    size_t totalGlobalMem;
};

static inline cudaError_t cudaGetDeviceCount(int *count)
{
    *count = 1;
    return cudaSuccess;
}

static inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device)
{
    (void)device;
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "CUDA emulated on %d CPU cores", omp_get_num_procs());
    prop->multiProcessorCount = 1;
    prop->cooperativeLaunch = 1;
    return cudaSuccess;
}

static inline cudaError_t cudaSetDevice(int device)
{
    (void)device;
    return cudaSuccess;
}

static inline cudaError_t cudaMalloc(void **p, size_t n)
{
    *p = malloc(n ? n : 1);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

static inline cudaError_t cudaFree(void *p)
{
    free(p);
    return cudaSuccess;
}

static inline cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind kind)
{
    (void)kind;
    memcpy(dst, src, n);
    return cudaSuccess;
}

static inline const char *cudaGetErrorString(cudaError_t e)
{
    return e == cudaErrorMemoryAllocation ? "out of memory" : "unknown error";
}

/* an emulated block is one thread, and a launch may ask for a block per CPU thread it wants */
template <class Kernel>
static inline cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, Kernel kernel, int threads,
                                                                        size_t shared)
{
    (void)kernel;
    (void)threads;
    (void)shared;
    *blocks = 1024;
    return cudaSuccess;
}
#endif
