/* Myriad solver interface: the context shared by the fixed solver (solver.c)
 * and the model-specific kernels that myriad generates from Python mechanisms.
 *
 * All arrays are owned by Python (numpy) and shared without copies.  Indices
 * are 32-bit except counters that grow with simulated time.  myr_ctx is
 * declared field by field in myriad/abi.py (FIELDS); the generated
 * myr_ctx_layout() reports each field's offset and size, and the status
 * codes, so that Python checks the two agree when it loads a library.
 */
#ifndef MYRIAD_SOLVER_H
#define MYRIAD_SOLVER_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* One solver source, two targets.  The OpenMP target (the default) runs the
 * phases in one parallel region: MYR_FOR is a statically scheduled orphaned
 * `omp for` and myr_sync an `omp barrier`.  The CUDA target (MYR_CUDA, set by
 * the generated source) runs them in one cooperative kernel: MYR_FOR is a
 * grid-stride loop over the whole grid and myr_sync the grid's barrier.  Its
 * functions are __host__ __device__, so that the once-per-run checks
 * (myr_rk4_rate) run on the host with a team of one.  With MYR_CUDA_EMULATE
 * the CUDA target is compiled by the C++ compiler and its "grid" is an OpenMP
 * team (csolver/cuda_emulation.h, put before this header), which lets the CUDA source be tested on
 * machines without a GPU.  MYR_FOR never waits at its end: a phase that must
 * be complete before the next one ends with myr_sync(), which on the CPU
 * (OpenMP and the emulation) is the team barrier below, not `omp barrier`. */
#ifdef MYR_CUDA
#  ifndef MYR_CUDA_EMULATE
#    include <cooperative_groups.h>
#  endif
#  define restrict __restrict__
#  define MYR_FN __host__ __device__
#  define MYR_FOR(i, n) for (int64_t i = myr_rank(), i##_stride = myr_team(); i < (n); i += i##_stride)
#else
#  define MYR_FN
#  define MYR_FOR(i, n) _Pragma("omp for schedule(static) nowait") for (int64_t i = 0; i < (n); i++)
#endif

/* This thread's place in the team, and the team's size. */
static inline MYR_FN int64_t myr_rank(void)
{
#if defined(__CUDA_ARCH__)
    return (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
#elif defined(_OPENMP)
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static inline MYR_FN int64_t myr_team(void)
{
#if defined(__CUDA_ARCH__)
    return (int64_t)gridDim.x * blockDim.x;
#elif defined(_OPENMP)
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* The team barrier of the CPU targets (OpenMP, and the CUDA emulation).
 *
 * A step is several to tens of phases, each ended by a barrier, so a barrier
 * must be cheap when every thread has a core, and must not take the core of a
 * thread that has none.  OpenMP's `omp barrier` (libgomp) spins for about
 * 300,000 iterations (milliseconds) before it sleeps: beside one other busy
 * process on 2 cores, a waiting thread then burns its core at every barrier,
 * often the very core the thread it waits for needs (issue 19: 2 threads 14x
 * slower than 1).
 *
 * This barrier counts arrivals; the last to arrive resets the count and
 * advances the generation, a 32-bit word the others wait on.  A waiting
 * thread spins on the generation (with the CPU's pause hint) for at most the
 * team's spin budget, yields the CPU MYR_BARRIER_YIELDS times, then sleeps
 * on the word (Linux: futex; elsewhere a mutex and condition variable); the
 * last arriver wakes the sleepers, if any, with one system call.  The yields
 * are none by default: beside a busy process, 2 yields before the sleep made
 * the dense model's 2-thread run 9x slower (a yield hands the core to the
 * other process for its whole slice; a sleeper that is woken may preempt it).
 *
 * The spin budget is measured, not guessed, between a short one
 * (MYR_BARRIER_SPIN_SHORT_NS, 1 us) and a long one (MYR_BARRIER_SPIN_LONG_NS,
 * 1 ms).  With every thread on a core of its own
 * the long one is best: a sleep adds the wake-up's latency to the next
 * phase, and on a virtual machine an idle CPU may be slow to wake (on this
 * 2-core VM the dense model's core solve passed 0.021 barriers/us with the
 * short budget and 0.046 with a 30 us one; 14-23% of ringtest's waits lasted
 * 0.1-1 ms).  With more runnable threads than cores any spin beyond
 * a microsecond or so is lost, and worse, it may hold the core the late
 * thread waits for (beside one busy process the dense model passed 1 barrier
 * per ms with the long budget, nearly every wait running out of spin, and
 * 17-21 with the short).  Neither case can be told from inside one wait, so
 * the team tries both.  The last arriver of each barrier reads the clock; in
 * epochs of MYR_BARRIER_EPOCH_NS (5 ms, time-bounded so that an epoch with
 * the wrong budget costs no more) the team runs one epoch with the short
 * budget and one with the long, in alternating order, and compares the
 * barriers passed per second.  It starts with the short budget and takes the
 * first trial's winner; then it keeps the budget it has while that wins, for
 * 4, 8, ... up to 64 epochs between trials; when the other wins, it tries
 * again after one epoch and takes the other only if it wins again (one trial
 * can be spoilt by a moment of load from elsewhere), keeping it for 4
 * epochs.  A change of load is thus followed within a few to some tens of
 * epochs, and a trial of the worse budget costs one epoch in 6 to 66.  The
 * budget does not change the results.
 *
 * Memory order: each arrival is a release-acquire read-modify-write of the
 * count; the last arriver stores the generation with release (sequentially
 * consistent, for the read of the sleepers' count after it), which the
 * waiters read with acquire; what any thread wrote before the barrier is thus
 * seen by all after it.
 *
 * The state is per run, not global (two runs of one library may go on at once
 * in two threads of a process): the launcher allocates a myr_barrier, every
 * thread of its team calls myr_team_begin with it at the start of the
 * parallel region and myr_team_end at its end, and myr_sync finds it in a
 * thread-local pointer (NULL, and myr_sync does nothing, in a team of one or
 * outside a team).  Defining MYR_OMP_BARRIER before this header makes myr_sync
 * `#pragma omp barrier` again (benchmarks.load_bench compares the two). */
#ifndef MYR_BARRIER_SPIN_SHORT_NS
#define MYR_BARRIER_SPIN_SHORT_NS 1000
#endif
#ifndef MYR_BARRIER_SPIN_LONG_NS
#define MYR_BARRIER_SPIN_LONG_NS 1000000
#endif
#ifndef MYR_BARRIER_EPOCH_NS
#define MYR_BARRIER_EPOCH_NS 5000000
#endif
#ifndef MYR_BARRIER_YIELDS
#define MYR_BARRIER_YIELDS 0
#endif

#if defined(_OPENMP) && !defined(__CUDA_ARCH__) && !defined(MYR_OMP_BARRIER)
#define MYR_TEAM_BARRIER 1
#include <limits.h>
#include <sched.h>
#include <time.h>
#if defined(__linux__) && !defined(MYR_BARRIER_PORTABLE)
#define MYR_BARRIER_FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <pthread.h>
#endif

/* the tuner's stages: trying the short or the long budget (in the order of
 * the cycle's parity), or keeping the winner */
enum { MYR_TRY_FIRST = 0, MYR_TRY_SECOND = 1, MYR_KEEP = 2 };

typedef struct myr_barrier {
    uint32_t gen;               /* the generation: waiters spin, and sleep, on it */
    char apart[128];            /* gen and the arrivals on cache lines of their own */
    uint32_t arrived;           /* arrivals in this generation */
    uint32_t sleepers;          /* threads asleep, or about to be, on gen */
    int32_t n;                  /* the team's size (set by myr_team_begin) */
    int64_t spin_ns;            /* the team's spin budget, set by the tuner */
    /* the tuner's state, used by one last arriver at a time */
    int64_t epoch_t;            /* when this epoch began (0: not yet) */
    uint32_t epoch_gen;         /* the generation it began at */
    int32_t stage, cycle, keep, keep_len, pending;   /* pending: the other budget won the last trial */
    int64_t winner;             /* the budget kept */
    double rate[2];             /* barriers per ns with the short [0] and long [1] budgets */
#ifndef MYR_BARRIER_FUTEX
    pthread_mutex_t lock;
    pthread_cond_t wake;
#endif
} myr_barrier;

static __thread myr_barrier *myr_bar;      /* this thread's team's barrier; NULL: none to wait at */

static inline myr_barrier *myr_barrier_new(void)
{
    myr_barrier *b = (myr_barrier *)calloc(1, sizeof(myr_barrier));
#ifndef MYR_BARRIER_FUTEX
    if (b && (pthread_mutex_init(&b->lock, NULL) || pthread_cond_init(&b->wake, NULL))) {
        free(b);
        b = NULL;
    }
#endif
    if (b) {
        b->spin_ns = b->winner = MYR_BARRIER_SPIN_SHORT_NS;
        b->stage = MYR_KEEP;            /* the first epoch keeps the short budget, then the trials */
        b->keep = 1;
        b->keep_len = 2;                /* so that the first kept run after the trials is 4 epochs */
    }
    return b;
}

static inline void myr_barrier_free(myr_barrier *b)
{
#ifndef MYR_BARRIER_FUTEX
    if (b) {
        pthread_mutex_destroy(&b->lock);
        pthread_cond_destroy(&b->wake);
    }
#endif
    free(b);
}

/* Called by every thread of the team at the start of its parallel region, with
 * the run's barrier (which may be NULL for a team of one). */
static inline void myr_team_begin(myr_barrier *b)
{
    const int n = omp_get_num_threads();        /* the team OpenMP gave, maybe fewer than asked */
    if (b && n > 1) {
        __atomic_store_n(&b->n, n, __ATOMIC_RELAXED);   /* all store the same, each before it arrives */
    }
    myr_bar = n > 1 ? b : NULL;
}

/* ... and at its end, so that nothing outside the run finds the barrier. */
static inline void myr_team_end(void)
{
    myr_bar = NULL;
}

static inline void myr_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static inline int64_t myr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run by the last arriver of every barrier, `gen` the generation it just
 * began: ends an epoch when it is long enough, and sets the budget of the
 * next. */
static void myr_barrier_tune(myr_barrier *b, uint32_t gen)
{
    const int64_t now = myr_now_ns();
    if (!b->epoch_t) {
        b->epoch_t = now;
        b->epoch_gen = gen;
        return;
    }
    const int64_t elapsed = now - b->epoch_t;
    if (elapsed < MYR_BARRIER_EPOCH_NS) {
        return;
    }
    const double rate = (double)(gen - b->epoch_gen) / (double)elapsed;
    const int first = b->cycle & 1;         /* the budget this cycle tries first: 0 short, 1 long */
    int64_t next = b->winner;
    if (b->stage == MYR_TRY_FIRST) {
        b->rate[first] = rate;
        b->stage = MYR_TRY_SECOND;
        next = first ? MYR_BARRIER_SPIN_SHORT_NS : MYR_BARRIER_SPIN_LONG_NS;
    } else if (b->stage == MYR_TRY_SECOND) {
        b->rate[!first] = rate;
        const int64_t best = b->rate[1] > b->rate[0] ? MYR_BARRIER_SPIN_LONG_NS : MYR_BARRIER_SPIN_SHORT_NS;
        if (best == b->winner) {
            b->pending = 0;
            b->keep_len = b->keep_len < 64 ? 2 * b->keep_len : 64;
            b->keep = b->keep_len;
        } else if (b->pending || !b->cycle) {   /* the other won twice running, or the first trial */
            b->pending = 0;
            b->winner = best;
            b->keep = b->keep_len = 4;
        } else {                            /* once: an epoch with the winner, then try again */
            b->pending = 1;
            b->keep = 1;
        }
        next = b->winner;
        b->stage = MYR_KEEP;
        b->cycle++;
    } else if (--b->keep <= 0) {
        b->stage = MYR_TRY_FIRST;
        next = (b->cycle & 1) ? MYR_BARRIER_SPIN_LONG_NS : MYR_BARRIER_SPIN_SHORT_NS;
    }
    __atomic_store_n(&b->spin_ns, next, __ATOMIC_RELAXED);
    b->epoch_t = now;
    b->epoch_gen = gen;
}

static void myr_barrier_sleep(myr_barrier *b, uint32_t gen)
{
    /* sleepers is counted before gen is read again, the last arriver reads
     * it after it advanced gen (both sequentially consistent): either the
     * sleeper sees the new generation or the last arriver sees the sleeper */
    __atomic_fetch_add(&b->sleepers, 1, __ATOMIC_SEQ_CST);
#ifdef MYR_BARRIER_FUTEX
    while (__atomic_load_n(&b->gen, __ATOMIC_SEQ_CST) == gen) {
        /* returns at once if gen is no longer `gen` (the kernel compares) */
        syscall(SYS_futex, &b->gen, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0);
    }
#else
    pthread_mutex_lock(&b->lock);
    while (__atomic_load_n(&b->gen, __ATOMIC_SEQ_CST) == gen) {
        pthread_cond_wait(&b->wake, &b->lock);
    }
    pthread_mutex_unlock(&b->lock);
#endif
    __atomic_fetch_sub(&b->sleepers, 1, __ATOMIC_RELAXED);
}

static void myr_barrier_wake(myr_barrier *b)
{
#ifdef MYR_BARRIER_FUTEX
    syscall(SYS_futex, &b->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->wake);
    pthread_mutex_unlock(&b->lock);
#endif
}

static void myr_barrier_wait(myr_barrier *b)
{
    /* the generation is read before this thread's arrival is counted, so it
     * is the one this barrier ends */
    const uint32_t gen = __atomic_load_n(&b->gen, __ATOMIC_RELAXED);
    if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == (uint32_t)__atomic_load_n(&b->n, __ATOMIC_RELAXED)) {
        myr_barrier_tune(b, gen + 1);
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->gen, gen + 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&b->sleepers, __ATOMIC_SEQ_CST)) {
            myr_barrier_wake(b);
        }
        return;
    }
    /* spin; the clock is read every 32 pauses (about 1.4 us on this machine's
     * CPU), so a short wait reads no clock, and the budget counts from the
     * first read */
    const int64_t budget = __atomic_load_n(&b->spin_ns, __ATOMIC_RELAXED);
    int64_t start = 0;
    for (uint32_t i = 1;; i++) {
        if (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) != gen) {
            return;
        }
        myr_cpu_relax();
        if (i % 32 == 0) {
            const int64_t now = myr_now_ns();
            if (!start) {
                start = now;
            } else if (now - start >= budget) {
                break;
            }
        }
    }
    for (int y = 0; y < MYR_BARRIER_YIELDS; y++) {
        sched_yield();
        if (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) != gen) {
            return;
        }
    }
    myr_barrier_sleep(b, gen);
}
#else
typedef struct myr_barrier myr_barrier;     /* none: `omp barrier`, the grid's, or no team */

static inline MYR_FN myr_barrier *myr_barrier_new(void) { return NULL; }
static inline MYR_FN void myr_barrier_free(myr_barrier *b) { (void)b; }
static inline MYR_FN void myr_team_begin(myr_barrier *b) { (void)b; }
static inline MYR_FN void myr_team_end(void) {}
#endif

/* Every thread of the team waits here for all the others; what each wrote
 * before it is seen by all after it. */
static inline MYR_FN void myr_sync(void)
{
#if defined(__CUDA_ARCH__)
    cooperative_groups::this_grid().sync();
#elif defined(MYR_TEAM_BARRIER)
    myr_barrier *b = myr_bar;
    if (b) {
        myr_barrier_wait(b);
    }
#elif defined(_OPENMP)
    #pragma omp barrier
#endif
}

/* *p += v, returning the old value. */
static inline MYR_FN int64_t myr_atomic_add(int64_t *p, int64_t v)
{
#if defined(__CUDA_ARCH__)
    return (int64_t)atomicAdd((unsigned long long *)p, (unsigned long long)v);
#else
    return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
#endif
}

/* *p = v, for a reader in another thread (the progress watcher). */
static inline MYR_FN void myr_atomic_store(int64_t *p, int64_t v)
{
#if defined(__CUDA_ARCH__)
    *(volatile int64_t *)p = v;
#else
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
#endif
}

/* *p = min(*p, v) for values >= 0. */
static inline MYR_FN void myr_atomic_min(int64_t *p, int64_t v)
{
#if defined(__CUDA_ARCH__)
    atomicMin((unsigned long long *)p, (unsigned long long)v);
#else
    int64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (v < old && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
#endif
}

typedef int32_t myr_idx;

/* c->method (myriad.context.METHODS) */
enum { MYR_BACKWARD_EULER = 0, MYR_RK4 = 1, MYR_CRANK_NICOLSON = 2 };
/* comp_tree: how a component is solved (flatten.GENERAL, TREE, LINEAR_TREE) */
enum { MYR_GENERAL = 0, MYR_TREE = 1, MYR_LINEAR_TREE = 2 };
/* how a run ended (c->status); myriad.abi.Status */
enum { MYR_OK = 0, MYR_ERR_NOMEM = 1, MYR_ERR_EVENTS_LOST = 2, MYR_ERR_CORE = 3, MYR_ERR_NONFINITE = 4,
       MYR_INTERRUPTED = 5, MYR_ERR_FAULT = 6 };
/* c->fault[...] when no translated method has reported a failed check */
#define MYR_NO_FAULT INT64_MAX

/* The core's Krylov solve: rows per chunk of its deterministic dot products,
 * and the number of work vectors and partial sums per chunk it uses. */
#define MYR_CORE_CHUNK 64
#define MYR_CORE_VECS 10
#define MYR_CORE_SUMS 8

typedef struct myr_ctx {
    /* sizes */
    int64_t n_unknowns;   /* potentials solved implicitly: Y[0 .. n_unknowns) */
    int64_t n_y;          /* all states */
    int64_t n_slots;      /* mechanism contribution slots */
    int64_t n_edges;      /* off-diagonal entries of the (filled) coupling matrix */

    /* data: states, parameters, contribution slots */
    double *Y;
    double *P;
    double *S;
    /* per-field tables used by generated kernels (indexed by compile-time ids) */
    const int64_t *yoff;
    const int64_t *poff;
    const int64_t *soff;
    const int64_t *count;
    myr_idx *const *ix;

    /* gathers (CSR by unknown): the inflow slots and diagonal-Jacobian slots
     * of the contributions evaluated every step.  Off-diagonal entries are
     * grouped by row (row_ptr, edge_col) and edge_val says where in S each
     * one's value is: its only contributing slot, or S[n_slots + x] for the
     * entries that sum several slots (xe lists) or hold fill-in. */
    const myr_idx *in_ptr, *in_idx;
    const myr_idx *jd_ptr, *jd_idx;
    const myr_idx *row_ptr, *edge_col, *edge_val;
    /* linear contributions (affine in the potentials, constant coefficients),
     * evaluated once per run by myr_linearise: per unknown the slots of their
     * offsets and diagonal coefficients, and their off-diagonal coefficients
     * (column, slot).  Gathered once per run into lin_c, lin_d [n_unknowns]
     * and lin_val [per lin entry]; their inflow is then
     * lin_c[u] + lin_d[u] v[u] + sum lin_val v[lin_col]. */
    const myr_idx *lin_in_ptr, *lin_in_idx, *lin_jd_ptr, *lin_jd_idx;
    const myr_idx *lin_ptr, *lin_col, *lin_slot;
    double *lin_c, *lin_d, *lin_val;
    int64_t n_xedge;
    const myr_idx *xe_ptr, *xe_idx;
    /* the rows the assembly phase builds (asm_rows; a linear tree's rows are
     * built by its solve), in n_rowblk blocks of about equal work (slots to
     * sum), so that a static schedule balances rows as unequal as a soma
     * gap-coupled to every other cell and a dendrite node with one leak */
    int64_t n_rowblk;
    const myr_idx *rowblk_ptr, *asm_rows;

    /* exact linear solve: elimination program per connected component;
     * up_kj, up_jk and fill_e address S */
    int64_t n_comp;
    const myr_idx *comp_ptr, *order;
    const myr_idx *up_ptr, *up_node, *up_kj, *up_jk;
    const myr_idx *fill_ptr, *fill_q, *fill_e;
    /* the same for components that are trees (MYR_TREE; MYR_LINEAR_TREE
     * when their entries are constant), by pivot position: parent (-1 at
     * the root) and where a[k][parent], a[parent][k] are in S; tree_a holds
     * their values [2 per pivot], gathered once per run for linear trees */
    const int8_t *comp_tree;
    const myr_idx *tree_parent, *tree_kj, *tree_jk;
    double *tree_a;
    /* per linear tree, its rows that have slots to add (CSR by component) */
    const myr_idx *lt_patch_ptr, *lt_patch;
    /* the core: unknowns of too high degree to eliminate (dense coupling).
     * Components with a core (comp_core) are eliminated onto it, the core's
     * system is solved by Jacobi-preconditioned BiCGSTAB to a relative
     * residual of core_tol, then the components are back-substituted.  Rows
     * by core position; core_val says where in S each entry is (read as J). */
    int64_t n_core;
    const int8_t *comp_core;
    const myr_idx *core_unknown, *core_ptr, *core_col, *core_val;
    double *core_a;       /* [core entries] gathered once per step */
    double *core_vec;     /* [MYR_CORE_VECS * n_core] */
    double *core_sum;     /* [MYR_CORE_SUMS * chunks] */
    double core_tol;
    int64_t core_max_iter, core_iterations, core_failed_step;

    /* events: sources (threshold detectors and generators) with spike history */
    int64_t n_src;
    double *src_buf;
    const int64_t *src_off, *src_cap;
    int64_t *src_count;
    int64_t n_det;
    const myr_idx *det_src, *det_y;
    const double *det_thr;
    const int64_t *det_gid;
    int8_t *det_above;
    double *det_vprev;
    int64_t n_tgt;
    const myr_idx *tgt_ptr, *tgt_cls;
    const int64_t *tgt_inst;
    const myr_idx *con_src;
    const double *con_delay, *con_weight;
    int64_t *con_cursor;

    /* recording */
    int64_t n_rec;
    const int64_t *rec_y, *rec_every, *rec_off;
    double *rec_buf;

    /* run control: steps step0 .. step0 + nsteps, at t = step * dt (so that a
     * run continued from a checkpoint sees the very same t as one that never
     * stopped); do_init 0 continues from the context's states, resume 1 also
     * keeps the linear trees' carried rows (diag, rhs) of the checkpoint;
     * every check_every steps the states are checked for NaN and Inf */
    int32_t method, threads, do_init, has_algebraic, resume;
    double dt, t0;
    int64_t step0, nsteps, check_every;

    /* work arrays (Python allocated): cap, diag, rhs, dz, dv [n_unknowns];
     * K, Yst, Yacc [n_y].  Crank-Nicolson keeps in dz each algebraic
     * unknown's value at the middle of the last step */
    double *cap, *diag, *rhs, *dz, *dv, *K, *Yst, *Yacc;
    /* failed checks in translated methods (pycast's pycast_fault, e.g. an int
     * division by zero), each the smallest key a kernel reported with
     * myr_fault (MYR_NO_FAULT: none): [0] by the kernels of the steps and of
     * the set-up, [1] by event delivery; thread 0 reads [0] after detection's
     * barrier and [1] after delivery's, where no other thread writes it */
    int64_t *fault;

    /* outputs */
    int32_t status;
    int64_t n_spikes;
    /* spikes: malloc'ed by the OpenMP target's myr_run (freed by myr_release);
     * on the CUDA target a device buffer of spk_cap entries given by the host,
     * and a run stops early (done < nsteps) when it may not hold another step's
     * spikes; the host drains it and launches again from step done */
    double *spk_t;
    int64_t *spk_gid;
    int64_t spk_cap;
    int64_t done;              /* steps of this run done by earlier launches (CUDA) */
    int64_t lost_events;
    int64_t bad_y, bad_step;   /* the first non-finite state and the step it was found at */
    /* the first failed check's key (see fault) and the step during which it
     * failed (-1: none); the run then stops with status MYR_ERR_FAULT */
    int64_t fault_key, fault_step;
    int64_t progress;          /* steps done, written by thread 0 for a watcher in another thread */
    int64_t reduce;            /* a word the team shares for reductions */
    /* set to 1 by the host (another thread) to stop the run: thread 0 reads it
     * once a step and sets status to MYR_INTERRUPTED, which the whole team
     * reads after the next barrier and stops at the end of that step */
    int32_t interrupt;
} myr_ctx;

/* A kernel's report of a failed check (key: myriad.faults, which says which
 * block, instance and pycast site): the smallest key of a phase stays, so the
 * report is the same for any number of threads. */
static inline MYR_FN void myr_fault(const myr_ctx *c, int word, int64_t key)
{
    myr_atomic_min(&c->fault[word], key);
}

/* Generated per model (from the mechanism classes' Python methods). */
static MYR_FN void myr_capacities(const myr_ctx *c, const double *restrict Y, double *restrict cap);
static MYR_FN void myr_initialize(const myr_ctx *c, double *restrict Y, double t);
static MYR_FN void myr_currents(const myr_ctx *c, const double *restrict Y, double *restrict S, double t);
static MYR_FN void myr_linearise(const myr_ctx *c, const double *restrict Y, double *restrict S, double t);
static MYR_FN void myr_derivatives(const myr_ctx *c, const double *restrict Y, double *restrict K, double t);
static MYR_FN void myr_advance_states(const myr_ctx *c, double *restrict Y, double t, double dt);
static MYR_FN void myr_state_jacobian(const myr_ctx *c, const double *restrict Y, double *restrict R, double t);
static MYR_FN void myr_deliver(const myr_ctx *c, myr_idx cls, int64_t inst, double *restrict Y, double weight,
                               double t, double lag, double share, int keep);

/* Where detected spikes go.  OpenMP: a list per thread, grown with realloc
 * and joined by myr_run.  CUDA: one device buffer for the grid, appended to
 * atomically (the spikes are sorted on the host); a launch stops early, for
 * the host to drain it, when another step's spikes might not fit. */
#ifdef MYR_CUDA
typedef struct myr_spike_list myr_spike_list;      /* none: the buffer is the context's */

static inline MYR_FN void myr_spike_push(myr_ctx *c, myr_spike_list *l, double t, int64_t gid)
{
    (void)l;
    const int64_t k = myr_atomic_add(&c->n_spikes, 1);
    c->spk_t[k] = t;        /* k < spk_cap: a launch stops while another step's spikes fit */
    c->spk_gid[k] = gid;
}

static inline MYR_FN int myr_spikes_full(const myr_ctx *c)
{
    return c->n_spikes + c->n_det > c->spk_cap;
}
#else
typedef struct myr_spike_list {
    int64_t n, cap;
    double *t;
    int64_t *gid;
    int failed;
} myr_spike_list;

static void myr_spike_push(myr_ctx *c, myr_spike_list *l, double t, int64_t gid)
{
    (void)c;
    if (l->failed) {
        return;
    }
    if (l->n == l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 1024;
        double *nt = realloc(l->t, (size_t)cap * sizeof(double));
        if (nt) {
            l->t = nt;
        }
        int64_t *ng = realloc(l->gid, (size_t)cap * sizeof(int64_t));
        if (ng) {
            l->gid = ng;
        }
        if (!nt || !ng) {
            l->failed = 1;
            return;
        }
        l->cap = cap;
    }
    l->t[l->n] = t;
    l->gid[l->n] = gid;
    l->n++;
}

static inline int myr_spikes_full(const myr_ctx *c)
{
    (void)c;
    return 0;
}
#endif

/* Exported (solver.c, and run_openmp.c or run_cuda.cu) */
#ifdef __cplusplus
extern "C" {
#endif
int64_t myr_ctx_layout(int64_t *offset, int64_t *size, int64_t *status);
double myr_rk4_rate(myr_ctx *c, int64_t *where);
#ifndef MYR_CUDA
int32_t myr_run(myr_ctx *c);
void myr_release(myr_ctx *c);
#endif
#ifdef __cplusplus
}
#endif

/* Shared by generated kernels: exponential Euler with a numerical diagonal
 * Jacobian (the factor is computed once per run for states whose rate is
 * constant, blocks.MechBlock.linear_states).  For an equation linear in its own state (gating variables,
 * synaptic conductances) this is the exact solution at frozen inputs, which is
 * what NEURON's cnexp does; it is stable for any dt when the rate is negative. */
static inline MYR_FN double myr_exp_euler_factor(double rate, double dt)
{
    double x = rate * dt;
    if (fabs(x) < 1e-12) {
        return dt;
    }
    return expm1(x) / rate;
}

static inline MYR_FN double myr_exp_euler_increment(double f, double rate, double dt)
{
    return f * myr_exp_euler_factor(rate, dt);
}

/* Finite-difference step for a derivative at s: the power of two just below
 * 2^-20 |s| (at least 2^-30).  A power of two makes s + h exact and its
 * reciprocal exact and cheap, so a difference quotient costs no division
 * and is exact for functions linear in s. */
static inline MYR_FN double myr_perturbation(double s)
{
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    bits &= 0x7ff0000000000000ULL;
    double p;
    memcpy(&p, &bits, sizeof p);
    p *= 0x1p-20;
    return p > 0x1p-30 ? p : 0x1p-30;
}

static inline MYR_FN double myr_reciprocal_pow2(double h)
{
    uint64_t bits;
    memcpy(&bits, &h, sizeof bits);
    bits = 0x7fe0000000000000ULL - bits;
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

#endif
