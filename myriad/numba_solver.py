"""csolver/solver.c in Python for numba: the tail of every generated model module.

This file is not imported: myriad.numba_backend appends its text to the
model's kernels (myriad.numba_kernels) so that the kernels it calls
(``currents``, ``advance_states``, ``deliver``...) are that model's, frozen
into one module per model hash that numba caches on disk.  Phases, sums and
their order follow solver.c line for line; the run is single-threaded, so no
phase needs a barrier and results cannot depend on a thread count.
Array arguments come grouped in tuples:

* ``G``: in_ptr, in_idx, jd_ptr, jd_idx, row_ptr, edge_col, edge_val, xe_ptr,
  xe_idx, lin_in_ptr, lin_in_idx, lin_jd_ptr, lin_jd_idx, lin_ptr, lin_col,
  lin_slot, asm_rows, rowblk_ptr (gathers)
* ``E``: comp_ptr, order, up_ptr, up_node, up_kj, up_jk, fill_ptr, fill_q,
  fill_e, comp_tree, tree_parent, tree_kj, tree_jk (elimination program),
  comp_core, core_unknown, core_ptr, core_col, core_val, core_a, core_vec,
  core_sum (the core's iterative solve), tree_a, lt_patch_ptr, lt_patch
* ``V``: src_buf, src_off, src_cap, src_count, det_src, det_y, det_thr, det_gid,
  det_above, det_vprev, tgt_ptr, tgt_cls, tgt_inst, con_src, con_delay,
  con_weight, con_cursor (events)
* ``R``: rec_y, rec_every, rec_off, rec_buf (recording)
* ``W``: cap, diag, rhs, dz, K, Yst, Yacc, lin_c, lin_d, lin_val, dv
  (work arrays)
* ``N``: n_unknowns, n_y, n_slots, n_xedge, n_comp, n_det, n_tgt, n_rec,
  n_core, core_max_iter
"""
# ruff: noqa: F821  (currents, deliver... are the model's kernels, defined above this text)

CORE_CHUNK = 64     # MYR_CORE_CHUNK
TREE, LINEAR_TREE = 1, 2    # MYR_TREE, MYR_LINEAR_TREE (flatten.TREE, LINEAR_TREE)


@inline
def gather(S, ptr, idx, k):
    s = 0.0
    for q in range(ptr[k], ptr[k + 1]):
        s += S[idx[q]]
    return s


@kernel
def prepare_linear(Y, S, M, G, E, W, N, t0, dt):
    """myr_prepare_linear: the linear contributions' offsets and coefficients, once per run."""
    lin_in_ptr, lin_in_idx, lin_jd_ptr, lin_jd_idx, lin_ptr, lin_slot = G[9], G[10], G[11], G[12], G[13], G[15]
    comp_ptr, comp_tree, tree_parent, tree_kj, tree_jk, tree_a = E[0], E[9], E[10], E[11], E[12], E[21]
    lin_c, lin_d, lin_val = W[7], W[8], W[9]
    linearise(Y, S, t0, dt, M)
    for u in range(N[0]):
        lin_c[u] = gather(S, lin_in_ptr, lin_in_idx, u)
        lin_d[u] = gather(S, lin_jd_ptr, lin_jd_idx, u)
        for q in range(lin_ptr[u], lin_ptr[u + 1]):
            lin_val[q] = S[lin_slot[q]]       # all rows: no residency to save here
    gather_extra(S, G, N)
    for comp in range(N[4]):
        if comp_tree[comp] != LINEAR_TREE:
            continue
        for p in range(comp_ptr[comp], comp_ptr[comp + 1]):
            if tree_parent[p] >= 0:
                tree_a[2 * p] = S[tree_kj[p]]
                tree_a[2 * p + 1] = S[tree_jk[p]]


@inline
def gather_extra(S, G, N):
    """The matrix entries that sum several slots or hold fill-in."""
    xe_ptr, xe_idx = G[7], G[8]
    n_slots = N[2]
    for x in range(N[3]):
        S[n_slots + x] = gather(S, xe_ptr, xe_idx, x)


@inline
def inflow(S, V, G, W, u):
    """myr_inflow: the linear contributions as a constant matrix, then the other slots."""
    lin_ptr, lin_col = G[13], G[14]
    lin_c, lin_d, lin_val = W[7], W[8], W[9]
    s = lin_c[u] + lin_d[u] * V[u]
    for q in range(lin_ptr[u], lin_ptr[u + 1]):
        s += lin_val[q] * V[lin_col[q]]
    return s + gather(S, G[0], G[1], u)


@inline
def jdiag(S, G, W, u):
    return W[8][u] + gather(S, G[2], G[3], u)


@kernel
def assemble(Y, S, G, W, N, dt):
    asm_rows, rowblk_ptr = G[16], G[17]
    cap, diag, rhs = W[0], W[1], W[2]
    inv_dt = 1.0 / dt
    for u in asm_rows[:rowblk_ptr[-1]]:
        rhs[u] = inflow(S, Y, G, W, u)
        diag[u] = cap[u] * inv_dt - jdiag(S, G, W, u)
    gather_extra(S, G, N)


@inline
def solve_tree(Y, J, E, diag, rhs, lo, hi):
    order, parent, kj, jk = E[1], E[10], E[11], E[12]
    for p in range(lo, hi):
        k, j = order[p], parent[p]
        inv = 1.0 / diag[k]
        diag[k] = inv
        if j >= 0:
            f = J[jk[p]] * inv
            diag[j] -= f * J[kj[p]]
            rhs[j] += f * rhs[k]
    for p in range(hi - 1, lo - 1, -1):
        k, j = order[p], parent[p]
        s = rhs[k]
        if j >= 0:
            s += J[kj[p]] * rhs[j]
        rhs[k] = s * diag[k]
        Y[k] += rhs[k]


@inline
def solve_linear_tree(Y, S, G, E, W, comp, inv_dt):
    """myr_solve_linear_tree: rows assembled while they are eliminated."""
    comp_ptr, order, parent, a, patch_ptr, patch = E[0], E[1], E[10], E[21], E[22], E[23]
    cap, diag, rhs, lin_c, lin_d, dv = W[0], W[1], W[2], W[7], W[8], W[10]
    lo, hi = comp_ptr[comp], comp_ptr[comp + 1]
    for q in range(patch_ptr[comp], patch_ptr[comp + 1]):
        k = patch[q]
        rhs[k] += gather(S, G[0], G[1], k)
        diag[k] -= gather(S, G[2], G[3], k)
    for p in range(lo, hi):
        k, j = order[p], parent[p]
        inv = 1.0 / diag[k]
        diag[k] = inv
        if j >= 0:
            a_kj, a_jk = a[2 * p], a[2 * p + 1]
            r = rhs[k] + a_kj * Y[j]
            f = a_jk * inv
            rhs[k] = r
            diag[j] -= f * a_kj
            rhs[j] += a_jk * Y[k] + f * r
    for p in range(hi - 1, lo - 1, -1):
        k, j = order[p], parent[p]
        s = rhs[k]
        if j >= 0:
            s += a[2 * p] * dv[j]
        d = s * diag[k]
        y = Y[k] + d
        dv[k] = d
        Y[k] = y
        rhs[k] = lin_c[k] + lin_d[k] * y
        diag[k] = cap[k] * inv_dt - lin_d[k]


@kernel
def begin_linear_trees(Y, E, W, dt):
    """myr_begin_linear_trees: the linear trees' own terms at the start of a run."""
    comp_ptr, order, comp_tree = E[0], E[1], E[9]
    cap, diag, rhs, lin_c, lin_d = W[0], W[1], W[2], W[7], W[8]
    inv_dt = 1.0 / dt
    for comp in range(len(comp_ptr) - 1):
        if comp_tree[comp] != LINEAR_TREE:
            continue
        for p in range(comp_ptr[comp], comp_ptr[comp + 1]):
            k = order[p]
            rhs[k] = lin_c[k] + lin_d[k] * Y[k]
            diag[k] = cap[k] * inv_dt - lin_d[k]


@inline
def eliminate(J, E, diag, rhs, lo, hi):
    order, up_ptr, up_node, up_kj, up_jk = E[1], E[2], E[3], E[4], E[5]
    fill_ptr, fill_q, fill_e = E[6], E[7], E[8]
    for p in range(lo, hi):
        k = order[p]
        inv = 1.0 / diag[k]
        diag[k] = inv
        for q in range(up_ptr[p], up_ptr[p + 1]):
            j = up_node[q]
            f = J[up_jk[q]] * inv
            diag[j] -= f * J[up_kj[q]]
            rhs[j] += f * rhs[k]
            for r in range(fill_ptr[q], fill_ptr[q + 1]):
                J[fill_e[r]] += f * J[up_kj[fill_q[r]]]


@inline
def back_substitute(Y, J, E, diag, rhs, lo, hi):
    order, up_ptr, up_node, up_kj = E[1], E[2], E[3], E[4]
    for p in range(hi - 1, lo - 1, -1):
        k = order[p]
        s = rhs[k]
        for q in range(up_ptr[p], up_ptr[p + 1]):
            s += J[up_kj[q]] * rhs[up_node[q]]
        rhs[k] = s * diag[k]
        Y[k] += rhs[k]


@inline
def core_matvec(E, diag, n, x, y):
    core_unknown, core_ptr, core_col, core_a = E[14], E[15], E[16], E[18]
    for i in range(n):
        s = 0.0
        for e in range(core_ptr[i], core_ptr[i + 1]):
            s += core_a[e] * x[core_col[e]]
        y[i] = diag[core_unknown[i]] * x[i] - s


@inline
def chunk_dot(a, b, n):
    """sum(a * b) as solver.c forms it: per chunk of rows, then over chunks in order."""
    total = 0.0
    for lo in range(0, n, CORE_CHUNK):
        d = 0.0
        for i in range(lo, min(lo + CORE_CHUNK, n)):
            d += a[i] * b[i]
        total += d
    return total


@kernel
def core_solve(Y, J, E, W, N, tol):
    """myr_core_solve: Jacobi-preconditioned BiCGSTAB; returns (failed, iterations)."""
    core_unknown, core_ptr, core_val, core_a, vec = E[14], E[15], E[17], E[18], E[19]
    diag, rhs = W[1], W[2]
    n = N[8]
    x, r, rh, p, v = vec[0:n], vec[n:2 * n], vec[2 * n:3 * n], vec[3 * n:4 * n], vec[4 * n:5 * n]
    sv, tv, ph, sh, minv = vec[5 * n:6 * n], vec[6 * n:7 * n], vec[7 * n:8 * n], vec[8 * n:9 * n], vec[9 * n:]
    for e in range(core_ptr[n]):
        core_a[e] = J[core_val[e]]
    for i in range(n):
        b = rhs[core_unknown[i]]
        minv[i] = 1.0 / diag[core_unknown[i]]
        x[i] = 0.0
        r[i] = b
        rh[i] = b
        p[i] = 0.0
        v[i] = 0.0
    bnorm2 = chunk_dot(r, r, n)
    goal = tol * tol * bnorm2
    rho, alpha, omega, rho_old = bnorm2, 1.0, 1.0, 1.0
    converged = bnorm2 == 0.0
    it = 0
    while not converged and it < N[9]:
        it += 1
        beta = (rho / rho_old) * (alpha / omega)
        for i in range(n):
            p[i] = r[i] + beta * (p[i] - omega * v[i])
            ph[i] = minv[i] * p[i]
        core_matvec(E, diag, n, ph, v)
        rhv = chunk_dot(rh, v, n)
        if rhv == 0.0:
            break
        alpha = rho / rhv
        for i in range(n):
            sv[i] = r[i] - alpha * v[i]
            sh[i] = minv[i] * sv[i]
        if chunk_dot(sv, sv, n) <= goal:
            for i in range(n):
                x[i] += alpha * ph[i]
            converged = True
            break
        core_matvec(E, diag, n, sh, tv)
        tt = chunk_dot(tv, tv, n)
        omega = chunk_dot(tv, sv, n) / tt if tt > 0.0 else 0.0
        for i in range(n):
            x[i] += alpha * ph[i] + omega * sh[i]
            r[i] = sv[i] - omega * tv[i]
        converged = chunk_dot(r, r, n) <= goal
        rho_old = rho
        rho = chunk_dot(rh, r, n)
        if omega == 0.0 or rho == 0.0:
            break
    for i in range(n):
        u = core_unknown[i]
        rhs[u] = x[i]
        Y[u] += x[i]
    return not converged, it


@kernel
def solve(Y, J, G, E, W, N, tol, dt):
    """myr_solve; returns (failed, core iterations)."""
    comp_ptr, comp_tree, comp_core = E[0], E[9], E[13]
    diag, rhs = W[1], W[2]
    for comp in range(N[4]):
        lo, hi = comp_ptr[comp], comp_ptr[comp + 1]
        if comp_tree[comp] == LINEAR_TREE:
            solve_linear_tree(Y, J, G, E, W, comp, 1.0 / dt)
            continue
        if comp_tree[comp] == TREE:
            solve_tree(Y, J, E, diag, rhs, lo, hi)
            continue
        eliminate(J, E, diag, rhs, lo, hi)
        if not comp_core[comp]:
            back_substitute(Y, J, E, diag, rhs, lo, hi)
    if N[8] == 0:
        return False, 0
    failed, it = core_solve(Y, J, E, W, N, tol)
    for comp in range(N[4]):
        if comp_core[comp]:
            back_substitute(Y, J, E, diag, rhs, comp_ptr[comp], comp_ptr[comp + 1])
    return failed, it


@kernel
def backward_euler_step(Y, S, M, G, E, W, N, t, dt, tol):
    currents(Y, S, t + 0.5 * dt, M)
    assemble(Y, S, G, W, N, dt)
    failed, it = solve(Y, S, G, E, W, N, tol, dt)
    advance_states(Y, S, t + dt, dt, M)
    return failed, it


@kernel
def project_algebraic(Yin, S, G, W, N):
    cap, dz = W[0], W[3]
    for u in range(N[0]):
        d = 0.0
        if cap[u] == 0.0:
            f = inflow(S, Yin, G, W, u)
            j = jdiag(S, G, W, u)
            d = -f / j if j != 0.0 else 0.0
            Yin[u] += d
        dz[u] = d


@kernel
def rk4_derivative(Yin, S, M, G, W, N, has_algebraic, t):
    row_ptr, edge_col, edge_val, lin_ptr, lin_col = G[4], G[5], G[6], G[13], G[14]
    cap, dz, K, lin_val = W[0], W[3], W[4], W[9]
    currents(Yin, S, t, M)
    if has_algebraic:
        project_algebraic(Yin, S, G, W, N)
    derivatives(Yin, K, t, M)
    for u in range(N[0]):
        if cap[u] == 0.0:
            K[u] = 0.0
            continue
        f = inflow(S, Yin, G, W, u)
        if has_algebraic:
            for e in range(row_ptr[u], row_ptr[u + 1]):
                z = edge_col[e]
                if cap[z] == 0.0:
                    f += S[edge_val[e]] * dz[z]
            for q in range(lin_ptr[u], lin_ptr[u + 1]):
                z = lin_col[q]
                if cap[z] == 0.0:
                    f -= lin_val[q] * dz[z]
        K[u] = f / cap[u]


@kernel
def rk4_step(Y, S, M, G, W, N, has_algebraic, t, dt):
    K, Yst, Yacc = W[4], W[5], W[6]
    n = N[1]
    t_end = np.nextafter(t + dt, t)
    rk4_derivative(Y, S, M, G, W, N, has_algebraic, t)
    for i in range(n):
        Yacc[i] = Y[i] + dt / 6.0 * K[i]
        Yst[i] = Y[i] + 0.5 * dt * K[i]
    rk4_derivative(Yst, S, M, G, W, N, has_algebraic, t + 0.5 * dt)
    for i in range(n):
        Yacc[i] += dt / 3.0 * K[i]
        Yst[i] = Y[i] + 0.5 * dt * K[i]
    rk4_derivative(Yst, S, M, G, W, N, has_algebraic, t + 0.5 * dt)
    for i in range(n):
        Yacc[i] += dt / 3.0 * K[i]
        Yst[i] = Y[i] + dt * K[i]
    rk4_derivative(Yst, S, M, G, W, N, has_algebraic, t_end)
    for i in range(n):
        Y[i] = Yacc[i] + dt / 6.0 * K[i]
    if has_algebraic:
        currents(Y, S, t + dt, M)
        project_algebraic(Y, S, G, W, N)


@kernel
def deliver_events(Y, M, V, N, t, dt):
    """Events due by the middle of the coming step; returns how many were lost."""
    src_buf, src_off, src_cap, src_count = V[0], V[1], V[2], V[3]
    tgt_ptr, tgt_cls, tgt_inst, con_src, con_delay, con_weight, con_cursor = \
        V[10], V[11], V[12], V[13], V[14], V[15], V[16]
    limit = t + 0.5 * dt
    lost = 0
    for g in range(N[6]):
        for q in range(tgt_ptr[g], tgt_ptr[g + 1]):
            s = con_src[q]
            count, cap = src_count[s], src_cap[s]
            cur = con_cursor[q]
            if count - cur > cap:
                lost += count - cur - cap
                cur = count - cap
            while cur < count:
                ts = src_buf[src_off[s] + cur % cap]
                if ts + con_delay[q] > limit:
                    break
                deliver(tgt_cls[g], tgt_inst[g], Y, con_weight[q], t, M)
                cur += 1
            con_cursor[q] = cur
    return lost


@kernel
def detect(Y, V, N, t, dt, spk_t, spk_gid, n_spk):
    """Upward threshold crossings, timed by linear interpolation; returns the spike arrays and count."""
    src_buf, src_off, src_cap, src_count = V[0], V[1], V[2], V[3]
    det_src, det_y, det_thr, det_gid, det_above, det_vprev = V[4], V[5], V[6], V[7], V[8], V[9]
    for d in range(N[5]):
        v, thr, vprev = Y[det_y[d]], det_thr[d], det_vprev[d]
        if v > thr:
            if not det_above[d]:
                det_above[d] = 1
                frac = (thr - vprev) / (v - vprev) if v > vprev else 1.0
                frac = 0.0 if frac < 0.0 else (1.0 if frac > 1.0 else frac)
                ts = t + frac * dt
                s = det_src[d]
                src_buf[src_off[s] + src_count[s] % src_cap[s]] = ts
                src_count[s] += 1
                if det_gid[d] >= 0:
                    if n_spk == len(spk_t):
                        spk_t = np.concatenate((spk_t, np.empty_like(spk_t)))
                        spk_gid = np.concatenate((spk_gid, np.empty_like(spk_gid)))
                    spk_t[n_spk] = ts
                    spk_gid[n_spk] = det_gid[d]
                    n_spk += 1
        else:
            det_above[d] = 0
        det_vprev[d] = v
    return spk_t, spk_gid, n_spk


@kernel
def record(Y, R, N, step):
    rec_y, rec_every, rec_off, rec_buf = R
    for r in range(N[7]):
        if step % rec_every[r] == 0:
            rec_buf[rec_off[r] + step // rec_every[r]] = Y[rec_y[r]]


@kernel
def run(Y, S, M, G, E, V, R, W, N, method, do_init, resume, has_algebraic, dt, t0, step0, nsteps, check_every,
        tol):
    """myr_run: returns (spike times, gids, lost events, core iterations, failed step or -1,
    first non-finite state or -1, the step it was found at or -1)."""
    cap = W[0]
    det_y, det_thr, det_above, det_vprev = V[5], V[6], V[8], V[9]
    spk_t = np.empty(1024)
    spk_gid = np.empty(1024, dtype=np.int64)
    n_spk = 0
    lost = 0
    prepare_linear(Y, S, M, G, E, W, N, t0, dt)
    if do_init:
        initialize(Y, t0, M)
    capacities(Y, cap, M)
    if method == 0 and not resume:
        begin_linear_trees(Y, E, W, dt)
    if do_init and method == 1 and has_algebraic:
        currents(Y, S, t0, M)
        project_algebraic(Y, S, G, W, N)
    if do_init:
        for d in range(N[5]):
            v = Y[det_y[d]]
            det_vprev[d] = v
            det_above[d] = v > det_thr[d]
    record(Y, R, N, 0)
    iterations = 0
    failed_step = -1
    bad_y = -1
    bad_step = -1
    for n in range(nsteps):
        t = (step0 + n) * dt
        lost += deliver_events(Y, M, V, N, t, dt)
        failed = False
        if method == 1:
            rk4_step(Y, S, M, G, W, N, has_algebraic, t, dt)
        else:
            failed, it = backward_euler_step(Y, S, M, G, E, W, N, t, dt, tol)
            iterations += it
        spk_t, spk_gid, n_spk = detect(Y, V, N, t, dt, spk_t, spk_gid, n_spk)
        record(Y, R, N, n + 1)
        if failed:
            failed_step = n
            break
        if (n + 1) % check_every == 0 or n + 1 == nsteps:
            bad = np.flatnonzero(~np.isfinite(Y))
            if len(bad):
                bad_y = bad[0]
                bad_step = step0 + n + 1
                break
    return spk_t[:n_spk].copy(), spk_gid[:n_spk].copy(), lost, iterations, failed_step, bad_y, bad_step


@kernel
def rk4_rate(Y, S, M, G, E, W, N, t0, dt):
    """myr_rk4_rate: the largest decay rate at the initial state (1/ms) and where it is."""
    row_ptr, edge_col, edge_val = G[4], G[5], G[6]
    cap, K = W[0], W[4]
    best = 0.0
    at = -1
    prepare_linear(Y, S, M, G, E, W, N, t0, dt)
    initialize(Y, t0, M)
    capacities(Y, cap, M)
    currents(Y, S, t0, M)
    for u in range(N[0]):
        if cap[u] == 0.0:
            continue
        d = jdiag(S, G, W, u)
        off = 0.0
        for e in range(row_ptr[u], row_ptr[u + 1]):
            w = edge_col[e]
            j_uw = S[edge_val[e]]
            if cap[w] != 0.0:
                off += abs(j_uw)
                continue
            j_ww = jdiag(S, G, W, w)
            if j_ww == 0.0:
                continue
            for e2 in range(row_ptr[w], row_ptr[w + 1]):
                coupled = j_uw * S[edge_val[e2]] / j_ww
                if edge_col[e2] == u:
                    d -= coupled
                else:
                    off += abs(coupled)
        r = (abs(d) + off) / cap[u]
        if r > best:
            best = r
            at = u
    state_jacobian(Y, K, t0, M)
    for i in range(N[0], N[1]):
        if abs(K[i]) > best:
            best = abs(K[i])
            at = i
    return best, at
