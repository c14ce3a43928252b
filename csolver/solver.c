/* Myriad's fixed solver: the whole run in one team of threads (an OpenMP
 * parallel region, or the grid of one cooperative CUDA kernel), the time loop
 * inside it, each step a fixed sequence of phases separated by barriers.
 *
 * Determinism: every phase writes only data it owns (a mechanism instance its
 * own slots, an unknown its own matrix row, a component its own unknowns, a
 * target its own states), and every sum is taken in an order fixed by the
 * index arrays, so results do not depend on the number of threads, nor on
 * the target.
 *
 * This file is appended to the generated kernels of a model, and followed by
 * the target's launcher (run_openmp.c or run_cuda.cu); all are compiled as
 * one translation unit, so the kernels inline into the phases.
 */

static inline MYR_FN double myr_gather(const double *restrict S, const myr_idx *restrict ptr,
                                const myr_idx *restrict idx, int64_t k)
{
    double s = 0.0;
    for (myr_idx q = ptr[k]; q < ptr[k + 1]; q++) {
        s += S[idx[q]];
    }
    return s;
}

/* The matrix entries that sum several slots or hold fill-in (after the slots). */
static MYR_FN void myr_gather_extra(myr_ctx *c)
{
    double *restrict extra = c->S + c->n_slots;
    MYR_FOR(x, c->n_xedge) {
        extra[x] = myr_gather(c->S, c->xe_ptr, c->xe_idx, x);
    }
    myr_sync();
}

/* Once per run: evaluate the linear contributions (offset and coefficients,
 * which depend on parameters only) and gather them per row, in fixed order. */
static MYR_FN void myr_prepare_linear(myr_ctx *c)
{
    myr_linearise(c, c->Y, c->S, c->t0);
    myr_sync();
    const double *restrict S = c->S;
    MYR_FOR(u, c->n_unknowns) {
        c->lin_c[u] = myr_gather(S, c->lin_in_ptr, c->lin_in_idx, u);
        c->lin_d[u] = myr_gather(S, c->lin_jd_ptr, c->lin_jd_idx, u);
    }
    /* backward Euler reads lin_val only in the assembly phase's rows (a linear
     * tree uses tree_a), so the rest of it is never touched (nor resident);
     * rk4 and Crank-Nicolson also project algebraic unknowns, of any row */
    const int all = c->method != MYR_BACKWARD_EULER;
    const int64_t rows = all ? c->n_unknowns : c->rowblk_ptr[c->n_rowblk];
    MYR_FOR(i, rows) {
        const myr_idx u = all ? (myr_idx)i : c->asm_rows[i];
        for (myr_idx q = c->lin_ptr[u]; q < c->lin_ptr[u + 1]; q++) {
            c->lin_val[q] = S[c->lin_slot[q]];
        }
    }
    myr_sync();
    myr_gather_extra(c);
    MYR_FOR(comp, c->n_comp) {
        if (c->comp_tree[comp] != MYR_LINEAR_TREE) {
            continue;
        }
        for (myr_idx p = c->comp_ptr[comp]; p < c->comp_ptr[comp + 1]; p++) {
            if (c->tree_parent[p] >= 0) {
                c->tree_a[2 * p] = S[c->tree_kj[p]];
                c->tree_a[2 * p + 1] = S[c->tree_jk[p]];
            }
        }
    }
    myr_sync();
}

/* The new potential of unknown k, y before the step, from d, its part of
 * the solution of the step's linear system.  Backward Euler: y + d.
 * Crank-Nicolson (NEURON's secondorder = 2) solves for the middle of the
 * step (the system with 2 cap/dt) and extrapolates to its end: y + 2 d.
 * An algebraic (zero-capacity) unknown meets its constraint at the middle
 * only; a jump of the constraint (a current switched on at a section end)
 * would make y + 2 d alternate about it from step to step for ever (Crank-
 * Nicolson's amplification is -1 on infinitely stiff modes), so its end
 * value is extrapolated from its last two middle values instead (kept in
 * dz), which are both on the constraint: second order, and a jump shows
 * for one step only. */
static inline MYR_FN double myr_new_potential(const myr_ctx *c, myr_idx k, double y, double d)
{
    if (c->method != MYR_CRANK_NICOLSON) {
        return y + d;
    }
    if (c->cap[k] != 0.0) {
        return y + 2.0 * d;
    }
    const double mid = y + d, before = c->dz[k];
    c->dz[k] = mid;
    return mid + 0.5 * (mid - before);
}

/* The inflow into unknown u at potentials V: the linear contributions applied
 * as a constant matrix, then the slots of the others. */
static inline MYR_FN double myr_inflow(const myr_ctx *c, const double *restrict V, int64_t u)
{
    double s = c->lin_c[u] + c->lin_d[u] * V[u];
    for (myr_idx q = c->lin_ptr[u]; q < c->lin_ptr[u + 1]; q++) {
        s += c->lin_val[q] * V[c->lin_col[q]];
    }
    return s + myr_gather(c->S, c->in_ptr, c->in_idx, u);
}

/* d(inflow into u)/d(potential u) */
static inline MYR_FN double myr_jdiag(const myr_ctx *c, int64_t u)
{
    return c->lin_d[u] + myr_gather(c->S, c->jd_ptr, c->jd_idx, u);
}

/* Build the linearised system (cap/h - J) dv = F row by row (all rows but
 * the linear trees'), and the matrix entries that sum several slots or hold
 * fill-in; nothing, and no barrier, when there is nothing to build. */
static MYR_FN void myr_assemble(myr_ctx *c, double h)
{
    if (!c->n_rowblk && !c->n_xedge) {
        return;
    }
    const double inv_dt = 1.0 / h;
    MYR_FOR(b, c->n_rowblk) {
        for (myr_idx i = c->rowblk_ptr[b]; i < c->rowblk_ptr[b + 1]; i++) {
            const myr_idx u = c->asm_rows[i];
            c->rhs[u] = myr_inflow(c, c->Y, u);
            c->diag[u] = c->cap[u] * inv_dt - myr_jdiag(c, u);
        }
    }
    myr_gather_extra(c);
}

/* Gaussian elimination of each component in the precomputed order (leaves
 * first on trees, so no fill-in), back substitution and the update of the
 * potentials.  Off-diagonal entries are read as J (the matrix holds -J),
 * hence the signs; each pivot's reciprocal replaces it in diag so that back
 * substitution multiplies.  Trees take a path without inner loops. */
static MYR_FN void myr_solve_tree(myr_ctx *c, myr_idx lo, myr_idx hi)
{
    double *restrict diag = c->diag, *restrict rhs = c->rhs, *restrict Y = c->Y;
    const double *restrict J = c->S;
    const myr_idx *restrict order = c->order, *restrict parent = c->tree_parent;
    const myr_idx *restrict kj = c->tree_kj, *restrict jk = c->tree_jk;
    for (myr_idx p = lo; p < hi; p++) {
        const myr_idx k = order[p], j = parent[p];
        const double inv = 1.0 / diag[k];
        diag[k] = inv;
        if (j >= 0) {
            const double f = J[jk[p]] * inv;
            diag[j] -= f * J[kj[p]];
            rhs[j] += f * rhs[k];
        }
    }
    for (myr_idx p = hi - 1; p >= lo; p--) {
        const myr_idx k = order[p], j = parent[p];
        double s = rhs[k];
        if (j >= 0) {
            s += J[kj[p]] * rhs[j];
        }
        rhs[k] = s * diag[k];
        Y[k] = myr_new_potential(c, k, Y[k], rhs[k]);
    }
}

/* A linear tree's rows are assembled inside its solve.  Between steps, rhs
 * and diag hold each row's linear own terms (lin_c + lin_d v and
 * cap/dt - lin_d, set at the start of the run and by the previous step's
 * back substitution); the rows listed in lt_patch add their slots; the
 * off-diagonal terms of the inflow, J v, come from the tree's constant
 * entries (tree_a) during elimination.  A row's sum is thus its own terms,
 * its slots, its children's terms in pivot order, its parent's term. */
static MYR_FN void myr_solve_linear_tree(myr_ctx *c, int64_t comp, double inv_dt)
{
    const myr_idx lo = c->comp_ptr[comp], hi = c->comp_ptr[comp + 1];
    double *restrict diag = c->diag, *restrict rhs = c->rhs, *restrict Y = c->Y, *restrict dv = c->dv;
    const double *restrict a = c->tree_a;
    const myr_idx *restrict order = c->order, *restrict parent = c->tree_parent;
    for (myr_idx q = c->lt_patch_ptr[comp]; q < c->lt_patch_ptr[comp + 1]; q++) {
        const myr_idx k = c->lt_patch[q];
        rhs[k] += myr_gather(c->S, c->in_ptr, c->in_idx, k);
        diag[k] -= myr_gather(c->S, c->jd_ptr, c->jd_idx, k);
    }
    for (myr_idx p = lo; p < hi; p++) {
        const myr_idx k = order[p], j = parent[p];
        const double inv = 1.0 / diag[k];
        diag[k] = inv;
        if (j >= 0) {
            const double a_kj = a[2 * p], a_jk = a[2 * p + 1];
            const double r = rhs[k] + a_kj * Y[j];
            const double f = a_jk * inv;
            rhs[k] = r;
            diag[j] -= f * a_kj;
            rhs[j] += a_jk * Y[k] + f * r;
        }
    }
    const double *restrict lin_c = c->lin_c, *restrict lin_d = c->lin_d, *restrict cap = c->cap;
    for (myr_idx p = hi - 1; p >= lo; p--) {
        const myr_idx k = order[p], j = parent[p];
        double s = rhs[k];
        if (j >= 0) {
            s += a[2 * p] * dv[j];
        }
        const double d = s * diag[k];
        const double y = myr_new_potential(c, k, Y[k], d);
        dv[k] = d;
        Y[k] = y;
        rhs[k] = lin_c[k] + lin_d[k] * y;
        diag[k] = cap[k] * inv_dt - lin_d[k];
    }
}

/* At the start of an implicit run (h its implicit step): the linear trees'
 * own terms. */
static MYR_FN void myr_begin_linear_trees(myr_ctx *c, double h)
{
    const double inv_dt = 1.0 / h;
    MYR_FOR(comp, c->n_comp) {
        if (c->comp_tree[comp] != MYR_LINEAR_TREE) {
            continue;
        }
        for (myr_idx p = c->comp_ptr[comp]; p < c->comp_ptr[comp + 1]; p++) {
            const myr_idx k = c->order[p];
            c->rhs[k] = c->lin_c[k] + c->lin_d[k] * c->Y[k];
            c->diag[k] = c->cap[k] * inv_dt - c->lin_d[k];
        }
    }
    myr_sync();
}

/* Forward elimination of pivots lo..hi of a general component (fill-in
 * included); each pivot's reciprocal replaces it in diag. */
static MYR_FN void myr_eliminate(myr_ctx *c, myr_idx lo, myr_idx hi)
{
    double *restrict diag = c->diag, *restrict rhs = c->rhs, *restrict J = c->S;
    for (myr_idx p = lo; p < hi; p++) {
        const myr_idx k = c->order[p];
        const double inv = 1.0 / diag[k];
        diag[k] = inv;
        for (myr_idx q = c->up_ptr[p]; q < c->up_ptr[p + 1]; q++) {
            const myr_idx j = c->up_node[q];
            const double f = J[c->up_jk[q]] * inv;      /* -a[j][k] / a[k][k] */
            diag[j] -= f * J[c->up_kj[q]];
            rhs[j] += f * rhs[k];
            for (myr_idx r = c->fill_ptr[q]; r < c->fill_ptr[q + 1]; r++) {
                J[c->fill_e[r]] += f * J[c->up_kj[c->fill_q[r]]];
            }
        }
    }
}

static MYR_FN void myr_back_substitute(myr_ctx *c, myr_idx lo, myr_idx hi)
{
    const double *restrict J = c->S;
    double *restrict rhs = c->rhs;
    for (myr_idx p = hi - 1; p >= lo; p--) {
        const myr_idx k = c->order[p];
        double s = rhs[k];
        for (myr_idx q = c->up_ptr[p]; q < c->up_ptr[p + 1]; q++) {
            s += J[c->up_kj[q]] * rhs[c->up_node[q]];
        }
        rhs[k] = s * c->diag[k];
        c->Y[k] = myr_new_potential(c, k, c->Y[k], rhs[k]);
    }
}

/* y = A x on the core rows of chunk ch (A = diag - J off the diagonal). */
static inline MYR_FN void myr_core_matvec(const myr_ctx *c, int64_t ch, const double *restrict x, double *restrict y)
{
    const int64_t lo = ch * MYR_CORE_CHUNK;
    const int64_t hi = lo + MYR_CORE_CHUNK < c->n_core ? lo + MYR_CORE_CHUNK : c->n_core;
    for (int64_t i = lo; i < hi; i++) {
        double s = 0.0;
        for (myr_idx e = c->core_ptr[i]; e < c->core_ptr[i + 1]; e++) {
            s += c->core_a[e] * x[c->core_col[e]];
        }
        y[i] = c->diag[c->core_unknown[i]] * x[i] - s;
    }
}

/* Sum of partial sum number `which` over all chunks, in chunk order: every
 * thread computes the same value whatever the thread count. */
static inline MYR_FN double myr_core_total(const myr_ctx *c, int64_t chunks, int which)
{
    double s = 0.0;
    for (int64_t ch = 0; ch < chunks; ch++) {
        s += c->core_sum[MYR_CORE_SUMS * ch + which];
    }
    return s;
}

/* for each row i of chunk ch of an n-row core */
#define MYR_CHUNK_ROWS(ch, n)                                                \
    for (int64_t i = (ch) * MYR_CORE_CHUNK,                                  \
         i_end = i + MYR_CORE_CHUNK < (n) ? i + MYR_CORE_CHUNK : (n); i < i_end; i++)

/* Jacobi-preconditioned BiCGSTAB (van der Vorst 1992) on the core system,
 * every thread taking chunks of rows; dot products are summed per chunk and
 * then over chunks in order, so the iterates, the iteration count and hence
 * the results are the same for any thread count.  Returns 0 on convergence
 * (all threads agree).  The solution goes to rhs and is added to Y. */
static MYR_FN int myr_core_solve(myr_ctx *c)
{
    const int64_t n = c->n_core, chunks = (n + MYR_CORE_CHUNK - 1) / MYR_CORE_CHUNK;
    double *restrict vec = c->core_vec, *restrict sum = c->core_sum;
    double *x = vec, *r = vec + n, *rh = vec + 2 * n, *p = vec + 3 * n, *v = vec + 4 * n;
    double *sv = vec + 5 * n, *tv = vec + 6 * n, *ph = vec + 7 * n, *sh = vec + 8 * n, *minv = vec + 9 * n;
    const double *restrict S = c->S;

    MYR_FOR(ch, chunks) {
        double bb = 0.0;
        const int64_t lo = ch * MYR_CORE_CHUNK;
        const int64_t hi = lo + MYR_CORE_CHUNK < n ? lo + MYR_CORE_CHUNK : n;
        for (myr_idx e = c->core_ptr[lo]; e < c->core_ptr[hi]; e++) {
            c->core_a[e] = S[c->core_val[e]];
        }
        MYR_CHUNK_ROWS(ch, n) {
            const double b = c->rhs[c->core_unknown[i]];
            minv[i] = 1.0 / c->diag[c->core_unknown[i]];
            x[i] = 0.0;
            r[i] = rh[i] = b;
            p[i] = v[i] = 0.0;
            bb += b * b;
        }
        sum[MYR_CORE_SUMS * ch] = bb;
    }
    myr_sync();
    const double bnorm2 = myr_core_total(c, chunks, 0);
    const double goal = c->core_tol * c->core_tol * bnorm2;
    double rho = bnorm2, alpha = 1.0, omega = 1.0, rho_old = 1.0;
    int converged = bnorm2 == 0.0;
    int64_t it = 0;
    while (!converged && it < c->core_max_iter) {
        it++;
        const double beta = (rho / rho_old) * (alpha / omega);
        MYR_FOR(ch, chunks) {
            MYR_CHUNK_ROWS(ch, n) {
                p[i] = r[i] + beta * (p[i] - omega * v[i]);
                ph[i] = minv[i] * p[i];
            }
        }
        myr_sync();
        MYR_FOR(ch, chunks) {
            myr_core_matvec(c, ch, ph, v);
            double d = 0.0;
            MYR_CHUNK_ROWS(ch, n) {
                d += rh[i] * v[i];
            }
            sum[MYR_CORE_SUMS * ch + 1] = d;
        }
        myr_sync();
        const double rhv = myr_core_total(c, chunks, 1);
        if (rhv == 0.0) {
            break;
        }
        alpha = rho / rhv;
        MYR_FOR(ch, chunks) {
            double d = 0.0;
            MYR_CHUNK_ROWS(ch, n) {
                sv[i] = r[i] - alpha * v[i];
                sh[i] = minv[i] * sv[i];
                d += sv[i] * sv[i];
            }
            sum[MYR_CORE_SUMS * ch + 2] = d;
        }
        myr_sync();
        if (myr_core_total(c, chunks, 2) <= goal) {
            MYR_FOR(ch, chunks) {
                MYR_CHUNK_ROWS(ch, n) {
                    x[i] += alpha * ph[i];
                }
            }
            myr_sync();
            converged = 1;
            break;
        }
        MYR_FOR(ch, chunks) {
            myr_core_matvec(c, ch, sh, tv);
            double ts = 0.0, tt = 0.0;
            MYR_CHUNK_ROWS(ch, n) {
                ts += tv[i] * sv[i];
                tt += tv[i] * tv[i];
            }
            sum[MYR_CORE_SUMS * ch + 3] = ts;
            sum[MYR_CORE_SUMS * ch + 4] = tt;
        }
        myr_sync();
        const double tt = myr_core_total(c, chunks, 4);
        omega = tt > 0.0 ? myr_core_total(c, chunks, 3) / tt : 0.0;
        MYR_FOR(ch, chunks) {
            double rr = 0.0, rhr = 0.0;
            MYR_CHUNK_ROWS(ch, n) {
                x[i] += alpha * ph[i] + omega * sh[i];
                r[i] = sv[i] - omega * tv[i];
                rr += r[i] * r[i];
                rhr += rh[i] * r[i];
            }
            sum[MYR_CORE_SUMS * ch + 5] = rr;
            sum[MYR_CORE_SUMS * ch + 6] = rhr;
        }
        myr_sync();
        converged = myr_core_total(c, chunks, 5) <= goal;
        rho_old = rho;
        rho = myr_core_total(c, chunks, 6);
        if (omega == 0.0 || rho == 0.0) {
            break;
        }
    }
    MYR_FOR(ch, chunks) {
        MYR_CHUNK_ROWS(ch, n) {
            const myr_idx u = c->core_unknown[i];
            c->rhs[u] = x[i];
            c->Y[u] = myr_new_potential(c, u, c->Y[u], x[i]);
        }
    }
    myr_sync();
    if (myr_rank() == 0) {
        c->core_iterations += it;
    }
    return !converged;
}

/* The exact solve of every component: trees without inner loops, other
 * components by their elimination program; components with a core are
 * eliminated onto it, wait for the core's solve, then back-substitute.
 * Returns nonzero (in every thread) if the core's solve failed. */
static MYR_FN int myr_solve(myr_ctx *c, double h)
{
    const double inv_dt = 1.0 / h;
    MYR_FOR(comp, c->n_comp) {
        const myr_idx lo = c->comp_ptr[comp], hi = c->comp_ptr[comp + 1];
        if (c->comp_tree[comp] == MYR_LINEAR_TREE) {
            myr_solve_linear_tree(c, comp, inv_dt);
            continue;
        }
        if (c->comp_tree[comp] == MYR_TREE) {
            myr_solve_tree(c, lo, hi);
            continue;
        }
        myr_eliminate(c, lo, hi);
        if (!c->comp_core[comp]) {
            myr_back_substitute(c, lo, hi);
        }
    }
    myr_sync();
    if (!c->n_core) {
        return 0;
    }
    const int failed = myr_core_solve(c);
    MYR_FOR(comp, c->n_comp) {
        if (c->comp_core[comp]) {
            myr_back_substitute(c, c->comp_ptr[comp], c->comp_ptr[comp + 1]);
        }
    }
    myr_sync();
    return failed;
}

/* Deliver every event due by the middle of the coming step (NEURON's rule),
 * target by target, in connection order.  Backward Euler and rk4: all of
 * it, before the step.  Crank-Nicolson's states are those of the step's
 * middle, limit, and its currents see them for the whole step: an event at
 * te, a fraction `early` = (te - t)/dt of a step after t (-1/2 < early <=
 * 1/2), must move the charge of its effect from te on, and the states of
 * limit must hold it as it has evolved from te.  So it is delivered in two
 * parts, its change of each state with dynamics evolved by e^(rate lag)
 * over lag = limit - te (myr_deliver): 1 - early of it before the step's
 * currents (part 0), the rest after them (part 1; changes of states
 * without dynamics are kept from part 0 only).  An event is thus second
 * order in time, not rounded to the nearest step. */
static MYR_FN void myr_deliver_events(myr_ctx *c, double t, double dt, int part)
{
    const double limit = t + 0.5 * dt;
    const int cn = c->method == MYR_CRANK_NICOLSON;
    int64_t lost = 0;
    MYR_FOR(g, c->n_tgt) {
        for (myr_idx q = c->tgt_ptr[g]; q < c->tgt_ptr[g + 1]; q++) {
            const myr_idx s = c->con_src[q];
            const int64_t count = c->src_count[s], cap = c->src_cap[s];
            int64_t cur = c->con_cursor[q];
            if (count - cur > cap) {
                lost += count - cur - cap;
                cur = count - cap;
            }
            const int64_t from = cur;
            while (cur < count) {
                const double te = c->src_buf[c->src_off[s] + cur % cap] + c->con_delay[q];
                if (te > limit) {
                    break;
                }
                const double early = cn ? (te - t) / dt : 0.0, lag = cn ? limit - te : 0.0;
                if (part == 0) {
                    myr_deliver(c, c->tgt_cls[g], c->tgt_inst[g], c->Y, c->con_weight[q], t, lag, 1.0 - early, 1);
                } else if (early != 0.0) {
                    myr_deliver(c, c->tgt_cls[g], c->tgt_inst[g], c->Y, c->con_weight[q], t, lag, early, 0);
                }
                cur++;
            }
            c->con_cursor[q] = cn && part == 0 ? from : cur;    /* part 1 delivers the same events again */
        }
    }
    myr_sync();
    if (lost) {
        myr_atomic_add(&c->lost_events, lost);
    }
}

/* Whether record r is of a state on Crank-Nicolson's staggered grid, half a
 * step ahead of the potentials: it is reported at whole steps as the mean of
 * its values half a step before and after (second order), the one before
 * kept in the step's own row of rec_buf by myr_record_middle. */
static inline MYR_FN int myr_staggered(const myr_ctx *c, int64_t r)
{
    return c->method == MYR_CRANK_NICOLSON && c->rec_y[r] >= c->n_unknowns;
}

/* The recorded values of step `step` of this run.  The first row of a run
 * is the states as they are: the initial ones, or for a run continued from
 * a checkpoint those half a step after its first time. */
static MYR_FN void myr_record(myr_ctx *c, int64_t step)
{
    MYR_FOR(r, c->n_rec) {
        const int64_t every = c->rec_every[r], y = c->rec_y[r];
        double *restrict row = c->rec_buf + c->rec_off[r];
        if (step % every == 0) {
            row[step / every] = myr_staggered(c, r) && step > 0 ? 0.5 * (row[step / every] + c->Y[y]) : c->Y[y];
        }
    }
    myr_sync();
}

/* In step `step`, before its states advance (its events delivered): the
 * staggered states of its middle, kept for the record of step + 1. */
static MYR_FN void myr_record_middle(myr_ctx *c, int64_t step)
{
    MYR_FOR(r, c->n_rec) {
        if (myr_staggered(c, r) && (step + 1) % c->rec_every[r] == 0) {
            c->rec_buf[c->rec_off[r] + (step + 1) / c->rec_every[r]] = c->Y[c->rec_y[r]];
        }
    }
}

/* The step the implicit system is solved for: backward Euler's whole step,
 * or Crank-Nicolson's half step (to the middle, then extrapolated). */
static inline MYR_FN double myr_implicit_h(const myr_ctx *c)
{
    return c->method == MYR_CRANK_NICOLSON ? 0.5 * c->dt : c->dt;
}

/* Backward Euler and Crank-Nicolson: the currents and their Jacobian at the
 * potentials of time t (and the driving functions at t + dt/2), the
 * linearised system solved for the potentials at t + h, the states
 * advanced by exponential Euler at the potentials of t + dt.  For
 * Crank-Nicolson the states live on the staggered grid, half a step ahead
 * of the potentials: the currents see them at t + dt/2, the middle of the
 * step, and they advance from t + dt/2 to t + 3dt/2 at the potentials of
 * its middle, t + dt -- so both are second order (NEURON's scheme).  The
 * states of t = 0 are taken as those of dt/2, as NEURON does: exact for a
 * run that starts at rest, first order otherwise. */
static MYR_FN int myr_implicit_step(myr_ctx *c, int64_t n, double t, double dt)
{
    const double h = myr_implicit_h(c);
    const int cn = c->method == MYR_CRANK_NICOLSON;
    myr_currents(c, c->Y, c->S, t + 0.5 * dt);
    myr_sync();
    if (cn && c->n_tgt) {
        myr_deliver_events(c, t, dt, 1);
    }
    myr_assemble(c, h);
    const int failed = myr_solve(c, h);
    if (cn && c->n_rec) {
        myr_record_middle(c, n);
        myr_sync();
    }
    /* no barrier: detection reads only potentials; its barrier ends this phase */
    myr_advance_states(c, c->Y, t + dt, dt);
    return failed;
}

/* Zero-capacity unknowns (e.g. section-end nodes) are algebraic: one Newton
 * step puts them on their constraint (exact when their couplings are linear),
 * after which the capacitive unknowns see the corrected values through the
 * Jacobian.  Flattening refuses RK4 when two algebraic unknowns are coupled. */
static MYR_FN void myr_project_algebraic(myr_ctx *c, double *restrict Yin)
{
    MYR_FOR(u, c->n_unknowns) {
        double d = 0.0;
        if (c->cap[u] == 0.0) {
            const double f = myr_inflow(c, Yin, u);
            const double j = myr_jdiag(c, u);
            d = j != 0.0 ? -f / j : 0.0;
            Yin[u] += d;
        }
        c->dz[u] = d;
    }
    myr_sync();
}

/* K = dY/dt at (Yin, t); algebraic entries of Yin are projected first. */
static MYR_FN void myr_rk4_derivative(myr_ctx *c, double *restrict Yin, double t)
{
    const double *restrict S = c->S;
    myr_currents(c, Yin, c->S, t);
    myr_sync();
    if (c->has_algebraic) {
        myr_project_algebraic(c, Yin);
    }
    myr_derivatives(c, Yin, c->K, t);
    MYR_FOR(u, c->n_unknowns) {
        if (c->cap[u] == 0.0) {
            c->K[u] = 0.0;
            continue;
        }
        double f = myr_inflow(c, Yin, u);
        if (c->has_algebraic) {
            /* the slots saw the algebraic neighbours before their projection:
             * correct them to first order; the linear part saw them after */
            for (myr_idx e = c->row_ptr[u]; e < c->row_ptr[u + 1]; e++) {
                const myr_idx z = c->edge_col[e];
                if (c->cap[z] == 0.0) {
                    f += S[c->edge_val[e]] * c->dz[z];
                }
            }
            for (myr_idx q = c->lin_ptr[u]; q < c->lin_ptr[u + 1]; q++) {
                const myr_idx z = c->lin_col[q];
                if (c->cap[z] == 0.0) {
                    f -= c->lin_val[q] * c->dz[z];
                }
            }
        }
        c->K[u] = f / c->cap[u];
    }
    myr_sync();
}

static MYR_FN void myr_rk4_step(myr_ctx *c, double t, double dt)
{
    double *restrict Y = c->Y, *restrict K = c->K, *restrict Yst = c->Yst, *restrict Yacc = c->Yacc;
    const int64_t n = c->n_y;
    /* The last stage sees the driving functions just before t + dt, so a
     * switch-on at a step boundary belongs to the step that starts there. */
    const double t_end = nextafter(t + dt, t);

    myr_rk4_derivative(c, Y, t);
    MYR_FOR(i, n) {
        Yacc[i] = Y[i] + dt / 6.0 * K[i];
        Yst[i] = Y[i] + 0.5 * dt * K[i];
    }
    myr_sync();
    myr_rk4_derivative(c, Yst, t + 0.5 * dt);
    MYR_FOR(i, n) {
        Yacc[i] += dt / 3.0 * K[i];
        Yst[i] = Y[i] + 0.5 * dt * K[i];
    }
    myr_sync();
    myr_rk4_derivative(c, Yst, t + 0.5 * dt);
    MYR_FOR(i, n) {
        Yacc[i] += dt / 3.0 * K[i];
        Yst[i] = Y[i] + dt * K[i];
    }
    myr_sync();
    myr_rk4_derivative(c, Yst, t_end);
    MYR_FOR(i, n) {
        Y[i] = Yacc[i] + dt / 6.0 * K[i];
    }
    myr_sync();
    if (c->has_algebraic) {
        myr_currents(c, Y, c->S, t + dt);
        myr_sync();
        myr_project_algebraic(c, Y);
    }
}

/* Upward threshold crossings, timed by linear interpolation within the step. */
static MYR_FN void myr_detect(myr_ctx *c, double t, double dt, myr_spike_list *spikes)
{
    MYR_FOR(d, c->n_det) {
        const double v = c->Y[c->det_y[d]], thr = c->det_thr[d], vprev = c->det_vprev[d];
        if (v > thr) {
            if (!c->det_above[d]) {
                c->det_above[d] = 1;
                double frac = (v > vprev) ? (thr - vprev) / (v - vprev) : 1.0;
                frac = frac < 0.0 ? 0.0 : (frac > 1.0 ? 1.0 : frac);
                const double ts = t + frac * dt;
                const myr_idx s = c->det_src[d];
                c->src_buf[c->src_off[s] + c->src_count[s] % c->src_cap[s]] = ts;
                c->src_count[s]++;
                if (c->det_gid[d] >= 0) {
                    myr_spike_push(c, spikes, ts, c->det_gid[d]);
                }
            }
        } else {
            c->det_above[d] = 0;
        }
        c->det_vprev[d] = v;
    }
    myr_sync();
}

/* The lowest index of a NaN or infinite state (-1 if none), also left in
 * c->bad_y; the same answer in every thread. */
static MYR_FN int64_t myr_first_nonfinite(myr_ctx *c)
{
    if (myr_rank() == 0) {
        c->reduce = INT64_MAX;
    }
    myr_sync();
    int64_t mine = INT64_MAX;
    MYR_FOR(i, c->n_y) {
        if (!isfinite(c->Y[i]) && i < mine) {
            mine = i;
        }
    }
    if (mine != INT64_MAX) {
        myr_atomic_min(&c->reduce, mine);
    }
    myr_sync();
    const int64_t found = c->reduce;
    myr_sync();     /* everyone has read it before the next check resets it */
    if (found == INT64_MAX) {
        return -1;
    }
    c->bad_y = found;
    return found;
}

/* Whether the host asked the run to stop (c->interrupt, written by another
 * thread while the team runs: read anew each time). */
static inline MYR_FN int myr_interrupt_requested(const myr_ctx *c)
{
#if defined(__CUDA_ARCH__)
    return *(const volatile int32_t *)&c->interrupt != 0;
#else
    return __atomic_load_n(&c->interrupt, __ATOMIC_RELAXED) != 0;
#endif
}

/* Thread 0, where no other thread writes c->fault[0]: the first failed check
 * in a translated method, if any, happened during the step that began at
 * `step` (or in the set-up before it); `events` is what event delivery
 * reported at that step's start, which comes first.  The team reads the
 * status after the next barrier, as it reads MYR_INTERRUPTED, and stops at
 * the end of that step; the host keeps the run up to `step`. */
static MYR_FN void myr_take_fault(myr_ctx *c, int64_t events, int64_t step)
{
    const int64_t key = events != MYR_NO_FAULT ? events : c->fault[0];
    if (key != MYR_NO_FAULT && c->fault_step < 0) {
        c->fault_key = key;
        c->fault_step = step;
        c->status = MYR_ERR_FAULT;
    }
}

/* What every thread of the team runs: the set-up of the run (unless an
 * earlier launch did it), then steps c->done .. c->nsteps.  A launch ends
 * early, with c->done the steps done, when the spike buffer might not hold
 * another step's spikes (CUDA; the host drains it and launches again).  */
static MYR_FN void myr_team_run(myr_ctx *c, myr_spike_list *mine)
{
    const double dt = c->dt, t0 = c->t0;
    const int64_t first = c->done;
    myr_prepare_linear(c);
    if (c->do_init && !first) {
        myr_initialize(c, c->Y, t0);
        myr_sync();
    }
    myr_capacities(c, c->Y, c->cap);
    myr_sync();
    const int cn = c->method == MYR_CRANK_NICOLSON;
    if (c->do_init && !first && ((c->method == MYR_RK4 && c->has_algebraic) || cn)) {
        /* Crank-Nicolson extrapolates algebraic unknowns from values on their
         * constraint (myr_new_potential): they start on it */
        myr_currents(c, c->Y, c->S, t0);
        myr_sync();
        myr_project_algebraic(c, c->Y);
    }
    if (c->method != MYR_RK4 && !c->resume && !first) {
        myr_begin_linear_trees(c, myr_implicit_h(c));
    }
    if (c->do_init && !first && cn) {
        MYR_FOR(u, c->n_unknowns) {
            c->dz[u] = c->Y[u];
        }
        myr_sync();
    }
    if (c->do_init && !first) {
        MYR_FOR(d, c->n_det) {
            const double v = c->Y[c->det_y[d]];
            c->det_vprev[d] = v;
            c->det_above[d] = v > c->det_thr[d];
        }
        myr_sync();
    }
    if (!first) {
        myr_record(c, 0);
    }
    int64_t n = first;
    /* every set-up phase ended at a barrier; the steps' kernels write
     * c->fault[0] only after the first delivery's barrier */
    if (myr_rank() == 0) {
        myr_take_fault(c, MYR_NO_FAULT, c->step0 + n);
    }
    int64_t events = MYR_NO_FAULT;      /* thread 0's: what this step's delivery reported */
    while (n < c->nsteps) {
        const double t = (double)(c->step0 + n) * dt;
        myr_deliver_events(c, t, dt, 0);
        /* thread 0 wrote status before this barrier (deliver's) and writes it
         * again only after detection's barrier: the same in every thread */
        const int stop = c->status == MYR_INTERRUPTED || c->status == MYR_ERR_FAULT;
        if (myr_rank() == 0) {
            events = c->fault[1];       /* written again only in the next step's delivery */
        }
        int failed = 0;
        if (c->method == MYR_RK4) {
            myr_rk4_step(c, t, dt);
        } else {
            failed = myr_implicit_step(c, n, t, dt);
        }
        myr_detect(c, t, dt, mine);
        if (myr_rank() == 0) {
            myr_take_fault(c, events, c->step0 + n);
        }
        if (c->n_rec) {
            myr_record(c, n + 1);
        }
        n++;
        if (failed) {       /* every thread takes this branch at the same step */
            if (myr_rank() == 0) {
                c->core_failed_step = n - 1;
            }
            break;
        }
        if (n % c->check_every == 0 || n == c->nsteps) {
            if (myr_first_nonfinite(c) >= 0) {     /* the same answer in every thread */
                if (myr_rank() == 0) {
                    c->bad_step = c->step0 + n;
                }
                break;
            }
        }
        if (myr_rank() == 0) {
            myr_atomic_store(&c->progress, n);
            if (myr_interrupt_requested(c)) {
                c->status = MYR_INTERRUPTED;
            }
        }
        if (stop || myr_spikes_full(c)) {       /* read after detection's barrier: the same in every thread */
            break;
        }
    }
    myr_sync();
    if (myr_rank() == 0) {
        c->done = n;
    }
}

/* Largest decay rate of the linearised system at the initial state (1/ms):
 * Gershgorin's bound on each capacitive row of the coupled potentials, after
 * eliminating the algebraic (zero-capacity) neighbours as RK4 does, and the
 * diagonal rate of each mechanism state.  RK4 is stable for rate*dt <= 2.785. */
double myr_rk4_rate(myr_ctx *c, int64_t *where)
{
    const double *S = c->S;
    double best = 0.0;
    int64_t at = -1;
    myr_prepare_linear(c);
    myr_initialize(c, c->Y, c->t0);
    myr_capacities(c, c->Y, c->cap);
    myr_currents(c, c->Y, c->S, c->t0);
    for (int64_t u = 0; u < c->n_unknowns; u++) {
        if (c->cap[u] == 0.0) {
            continue;
        }
        double d = myr_jdiag(c, u), off = 0.0;
        for (myr_idx e = c->row_ptr[u]; e < c->row_ptr[u + 1]; e++) {
            const myr_idx w = c->edge_col[e];
            const double j_uw = S[c->edge_val[e]];
            if (c->cap[w] != 0.0) {
                off += fabs(j_uw);
                continue;
            }
            const double j_ww = myr_jdiag(c, w);
            if (j_ww == 0.0) {
                continue;
            }
            for (myr_idx e2 = c->row_ptr[w]; e2 < c->row_ptr[w + 1]; e2++) {
                const double coupled = j_uw * S[c->edge_val[e2]] / j_ww;
                if (c->edge_col[e2] == u) {
                    d -= coupled;
                } else {
                    off += fabs(coupled);
                }
            }
        }
        const double r = (fabs(d) + off) / c->cap[u];
        if (r > best) {
            best = r;
            at = u;
        }
    }
    myr_state_jacobian(c, c->Y, c->K, c->t0);
    for (int64_t i = c->n_unknowns; i < c->n_y; i++) {
        if (fabs(c->K[i]) > best) {
            best = fabs(c->K[i]);
            at = i;
        }
    }
    *where = at;
    return best;
}
