"""csolver/solver.c in Python for numba: the tail of every generated model module.

This file is not imported: myriad.backends.numba.engine appends its text to the
model's kernels (myriad.backends.numba.kernels) so that the kernels it calls
(``currents``, ``advance_states``, ``deliver``...) are that model's, frozen
into one module per model hash that numba caches on disk.  Phases, sums and
their order follow solver.c line for line; the run is single-threaded, so no
phase needs a barrier and results cannot depend on a thread count.
Array arguments come grouped in named tuples, one per group of myriad.abi's
table: ``M`` the model's fields (its kernels' convention, see
myriad.backends.numba.kernels), ``G`` gathers, ``E`` the elimination
program and the core's solve, ``V`` events, ``R`` recording, ``W`` work
arrays, ``N`` sizes.
"""
# ruff: noqa: F821  (currents, deliver... are the model's kernels, defined above this text)

CORE_CHUNK = 64     # MYR_CORE_CHUNK
TREE, LINEAR_TREE = 1, 2    # MYR_TREE, MYR_LINEAR_TREE (flatten.TREE, LINEAR_TREE)
RK4, CRANK_NICOLSON = 1, 2  # MYR_RK4, MYR_CRANK_NICOLSON (context.METHODS)
NO_FAULT = 2 ** 63 - 1      # MYR_NO_FAULT (myriad.faults.NO_FAULT)


@inline
def gather(S, ptr, idx, k):
    s = 0.0
    for q in range(ptr[k], ptr[k + 1]):
        s += S[idx[q]]
    return s


@kernel
def prepare_linear(Y, S, M, G, E, W, N, t0, dt):
    """myr_prepare_linear: the linear contributions' offsets and coefficients, once per run."""
    lin_in_ptr, lin_in_idx, lin_jd_ptr, lin_jd_idx, lin_ptr, lin_slot = G.lin_in_ptr, G.lin_in_idx, G.lin_jd_ptr, G.lin_jd_idx, G.lin_ptr, G.lin_slot
    comp_ptr, comp_tree, tree_parent, tree_kj, tree_jk, tree_a = E.comp_ptr, E.comp_tree, E.tree_parent, E.tree_kj, E.tree_jk, E.tree_a
    lin_c, lin_d, lin_val = W.lin_c, W.lin_d, W.lin_val
    linearise(Y, S, t0, dt, M)
    for u in range(N.n_unknowns):
        lin_c[u] = gather(S, lin_in_ptr, lin_in_idx, u)
        lin_d[u] = gather(S, lin_jd_ptr, lin_jd_idx, u)
        for q in range(lin_ptr[u], lin_ptr[u + 1]):
            lin_val[q] = S[lin_slot[q]]       # all rows: no residency to save here
    gather_extra(S, G, N)
    for comp in range(N.n_comp):
        if comp_tree[comp] != LINEAR_TREE:
            continue
        for p in range(comp_ptr[comp], comp_ptr[comp + 1]):
            if tree_parent[p] >= 0:
                tree_a[2 * p] = S[tree_kj[p]]
                tree_a[2 * p + 1] = S[tree_jk[p]]


@inline
def gather_extra(S, G, N):
    """The matrix entries that sum several slots or hold fill-in."""
    xe_ptr, xe_idx = G.xe_ptr, G.xe_idx
    n_slots = N.n_slots
    for x in range(N.n_xedge):
        S[n_slots + x] = gather(S, xe_ptr, xe_idx, x)


@inline
def inflow(S, V, G, W, u):
    """myr_inflow: the linear contributions as a constant matrix, then the other slots."""
    lin_ptr, lin_col = G.lin_ptr, G.lin_col
    lin_c, lin_d, lin_val = W.lin_c, W.lin_d, W.lin_val
    s = lin_c[u] + lin_d[u] * V[u]
    for q in range(lin_ptr[u], lin_ptr[u + 1]):
        s += lin_val[q] * V[lin_col[q]]
    return s + gather(S, G.in_ptr, G.in_idx, u)


@inline
def jdiag(S, G, W, u):
    return W.lin_d[u] + gather(S, G.jd_ptr, G.jd_idx, u)


@kernel
def assemble(Y, S, G, W, N, dt):
    asm_rows, rowblk_ptr = G.asm_rows, G.rowblk_ptr
    cap, diag, rhs = W.cap, W.diag, W.rhs
    inv_dt = 1.0 / dt
    for u in asm_rows[:rowblk_ptr[-1]]:
        rhs[u] = inflow(S, Y, G, W, u)
        diag[u] = cap[u] * inv_dt - jdiag(S, G, W, u)
    gather_extra(S, G, N)


@inline
def new_potential(W, method, k, y, d):
    """myr_new_potential: backward Euler's y + d; Crank-Nicolson's extrapolation to the
    end of the step, algebraic unknowns from their last two middle values."""
    if method != CRANK_NICOLSON:
        return y + d
    if W.cap[k] != 0.0:
        return y + 2.0 * d
    mid = y + d
    before = W.dz[k]
    W.dz[k] = mid
    return mid + 0.5 * (mid - before)


@inline
def solve_tree(Y, J, E, W, method, diag, rhs, lo, hi):
    order, parent, kj, jk = E.order, E.tree_parent, E.tree_kj, E.tree_jk
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
        Y[k] = new_potential(W, method, k, Y[k], rhs[k])


@inline
def solve_linear_tree(Y, S, G, E, W, method, comp, inv_dt):
    """myr_solve_linear_tree: rows assembled while they are eliminated."""
    comp_ptr, order, parent, a, patch_ptr, patch = E.comp_ptr, E.order, E.tree_parent, E.tree_a, E.lt_patch_ptr, E.lt_patch
    cap, diag, rhs, lin_c, lin_d, dv = W.cap, W.diag, W.rhs, W.lin_c, W.lin_d, W.dv
    lo, hi = comp_ptr[comp], comp_ptr[comp + 1]
    for q in range(patch_ptr[comp], patch_ptr[comp + 1]):
        k = patch[q]
        rhs[k] += gather(S, G.in_ptr, G.in_idx, k)
        diag[k] -= gather(S, G.jd_ptr, G.jd_idx, k)
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
        y = new_potential(W, method, k, Y[k], d)
        dv[k] = d
        Y[k] = y
        rhs[k] = lin_c[k] + lin_d[k] * y
        diag[k] = cap[k] * inv_dt - lin_d[k]


@kernel
def begin_linear_trees(Y, E, W, h):
    """myr_begin_linear_trees: the linear trees' own terms at the start of a run."""
    comp_ptr, order, comp_tree = E.comp_ptr, E.order, E.comp_tree
    cap, diag, rhs, lin_c, lin_d = W.cap, W.diag, W.rhs, W.lin_c, W.lin_d
    inv_dt = 1.0 / h
    for comp in range(len(comp_ptr) - 1):
        if comp_tree[comp] != LINEAR_TREE:
            continue
        for p in range(comp_ptr[comp], comp_ptr[comp + 1]):
            k = order[p]
            rhs[k] = lin_c[k] + lin_d[k] * Y[k]
            diag[k] = cap[k] * inv_dt - lin_d[k]


@inline
def eliminate(J, E, diag, rhs, lo, hi):
    order, up_ptr, up_node, up_kj, up_jk = E.order, E.up_ptr, E.up_node, E.up_kj, E.up_jk
    fill_ptr, fill_q, fill_e = E.fill_ptr, E.fill_q, E.fill_e
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
def back_substitute(Y, J, E, W, method, diag, rhs, lo, hi):
    order, up_ptr, up_node, up_kj = E.order, E.up_ptr, E.up_node, E.up_kj
    for p in range(hi - 1, lo - 1, -1):
        k = order[p]
        s = rhs[k]
        for q in range(up_ptr[p], up_ptr[p + 1]):
            s += J[up_kj[q]] * rhs[up_node[q]]
        rhs[k] = s * diag[k]
        Y[k] = new_potential(W, method, k, Y[k], rhs[k])


@inline
def core_matvec(E, diag, n, x, y):
    core_unknown, core_ptr, core_col, core_a = E.core_unknown, E.core_ptr, E.core_col, E.core_a
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
def core_solve(Y, J, E, W, N, method, tol):
    """myr_core_solve: Jacobi-preconditioned BiCGSTAB; returns (failed, iterations)."""
    core_unknown, core_ptr, core_val, core_a, vec = E.core_unknown, E.core_ptr, E.core_val, E.core_a, E.core_vec
    diag, rhs = W.diag, W.rhs
    n = N.n_core
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
    while not converged and it < N.core_max_iter:
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
        Y[u] = new_potential(W, method, u, Y[u], x[i])
    return not converged, it


@kernel
def solve(Y, J, G, E, W, N, method, tol, h):
    """myr_solve; returns (failed, core iterations)."""
    comp_ptr, comp_tree, comp_core = E.comp_ptr, E.comp_tree, E.comp_core
    diag, rhs = W.diag, W.rhs
    for comp in range(N.n_comp):
        lo, hi = comp_ptr[comp], comp_ptr[comp + 1]
        if comp_tree[comp] == LINEAR_TREE:
            solve_linear_tree(Y, J, G, E, W, method, comp, 1.0 / h)
            continue
        if comp_tree[comp] == TREE:
            solve_tree(Y, J, E, W, method, diag, rhs, lo, hi)
            continue
        eliminate(J, E, diag, rhs, lo, hi)
        if not comp_core[comp]:
            back_substitute(Y, J, E, W, method, diag, rhs, lo, hi)
    if N.n_core == 0:
        return False, 0
    failed, it = core_solve(Y, J, E, W, N, method, tol)
    for comp in range(N.n_comp):
        if comp_core[comp]:
            back_substitute(Y, J, E, W, method, diag, rhs, comp_ptr[comp], comp_ptr[comp + 1])
    return failed, it


@inline
def implicit_h(method, dt):
    """myr_implicit_h: backward Euler's whole step, Crank-Nicolson's half step."""
    return 0.5 * dt if method == CRANK_NICOLSON else dt


@kernel
def implicit_step(Y, S, M, G, E, V, R, W, N, method, n, t, dt, tol):
    """myr_implicit_step: backward Euler or Crank-Nicolson."""
    h = implicit_h(method, dt)
    currents(Y, S, t + 0.5 * dt, M)
    if method == CRANK_NICOLSON:
        deliver_events(Y, M, V, N, method, t, dt, 1)
    assemble(Y, S, G, W, N, h)
    failed, it = solve(Y, S, G, E, W, N, method, tol, h)
    if method == CRANK_NICOLSON:
        record_middle(Y, R, N, n)
    advance_states(Y, S, t + dt, dt, M)
    return failed, it


@kernel
def project_algebraic(Yin, S, G, W, N):
    cap, dz = W.cap, W.dz
    for u in range(N.n_unknowns):
        d = 0.0
        if cap[u] == 0.0:
            f = inflow(S, Yin, G, W, u)
            j = jdiag(S, G, W, u)
            d = -f / j if j != 0.0 else 0.0
            Yin[u] += d
        dz[u] = d


@kernel
def rk4_derivative(Yin, S, M, G, W, N, has_algebraic, t):
    row_ptr, edge_col, edge_val, lin_ptr, lin_col = G.row_ptr, G.edge_col, G.edge_val, G.lin_ptr, G.lin_col
    cap, dz, K, lin_val = W.cap, W.dz, W.K, W.lin_val
    currents(Yin, S, t, M)
    if has_algebraic:
        project_algebraic(Yin, S, G, W, N)
    derivatives(Yin, K, t, M)
    for u in range(N.n_unknowns):
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
    K, Yst, Yacc = W.K, W.Yst, W.Yacc
    n = N.n_y
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
def deliver_events(Y, M, V, N, method, t, dt, part):
    """myr_deliver_events: events due by the middle of the coming step; Crank-Nicolson's in two
    parts (``part`` 0 before the step's currents, 1 after them); returns how many were lost."""
    src_buf, src_off, src_cap, src_count = V.src_buf, V.src_off, V.src_cap, V.src_count
    tgt_ptr, tgt_cls, tgt_inst, con_src, con_delay, con_weight, con_cursor = \
        V.tgt_ptr, V.tgt_cls, V.tgt_inst, V.con_src, V.con_delay, V.con_weight, V.con_cursor
    limit = t + 0.5 * dt
    cn = method == CRANK_NICOLSON
    lost = 0
    for g in range(N.n_tgt):
        for q in range(tgt_ptr[g], tgt_ptr[g + 1]):
            s = con_src[q]
            count, cap = src_count[s], src_cap[s]
            cur = con_cursor[q]
            if count - cur > cap:
                lost += count - cur - cap
                cur = count - cap
            start = cur
            while cur < count:
                te = src_buf[src_off[s] + cur % cap] + con_delay[q]
                if te > limit:
                    break
                early = (te - t) / dt if cn else 0.0
                lag = limit - te if cn else 0.0
                if part == 0:
                    deliver(tgt_cls[g], tgt_inst[g], Y, con_weight[q], t, lag, 1.0 - early, 1, M)
                elif early != 0.0:
                    deliver(tgt_cls[g], tgt_inst[g], Y, con_weight[q], t, lag, early, 0, M)
                cur += 1
            con_cursor[q] = start if cn and part == 0 else cur
    return lost


@kernel
def detect(Y, V, N, t, dt, spk_t, spk_gid, n_spk):
    """Upward threshold crossings, timed by linear interpolation; returns the spike arrays and count."""
    src_buf, src_off, src_cap, src_count = V.src_buf, V.src_off, V.src_cap, V.src_count
    det_src, det_y, det_thr, det_gid, det_above, det_vprev = V.det_src, V.det_y, V.det_thr, V.det_gid, V.det_above, V.det_vprev
    for d in range(N.n_det):
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
def record(Y, R, N, method, step):
    """myr_record: Crank-Nicolson's states, half a step ahead, reported at whole steps as the
    mean of the values half a step before and after (the former kept by record_middle)."""
    rec_y, rec_every, rec_off, rec_buf = R.rec_y, R.rec_every, R.rec_off, R.rec_buf
    for r in range(N.n_rec):
        every, y, off = rec_every[r], rec_y[r], rec_off[r]
        if step % every == 0:
            if method == CRANK_NICOLSON and y >= N.n_unknowns and step > 0:
                rec_buf[off + step // every] = 0.5 * (rec_buf[off + step // every] + Y[y])
            else:
                rec_buf[off + step // every] = Y[y]


@kernel
def record_middle(Y, R, N, step):
    """myr_record_middle: in a Crank-Nicolson step, before its states advance (its events
    delivered), the staggered states of its middle, kept for the record of step + 1."""
    rec_y, rec_every, rec_off, rec_buf = R.rec_y, R.rec_every, R.rec_off, R.rec_buf
    for r in range(N.n_rec):
        if rec_y[r] >= N.n_unknowns and (step + 1) % rec_every[r] == 0:
            rec_buf[rec_off[r] + (step + 1) // rec_every[r]] = Y[rec_y[r]]


@entry
def run(Y, S, M, G, E, V, R, W, N, method, do_init, resume, has_algebraic, dt, t0, step0, nsteps, check_every,
        tol, stop):
    """myr_run: returns (spike times, gids, lost events, core iterations, failed step or -1,
    first non-finite state or -1, the step it was found at or -1, the first failed check's
    key and the step it failed during or -1, steps done).  Runs without the GIL; stops
    after the step where it finds ``stop[0]`` (the context's ``interrupt``, set by another
    thread) non-zero, or a failed check (myr_take_fault: at once, one thread sees it)."""
    cap = W.cap
    det_y, det_thr, det_above, det_vprev = V.det_y, V.det_thr, V.det_above, V.det_vprev
    spk_t = np.empty(1024)
    spk_gid = np.empty(1024, dtype=np.int64)
    n_spk = 0
    lost = 0
    prepare_linear(Y, S, M, G, E, W, N, t0, dt)
    if do_init:
        initialize(Y, t0, M)
    capacities(Y, cap, M)
    cn = method == CRANK_NICOLSON
    if do_init and ((method == RK4 and has_algebraic) or cn):
        currents(Y, S, t0, M)
        project_algebraic(Y, S, G, W, N)
    if method != RK4 and not resume:
        begin_linear_trees(Y, E, W, implicit_h(method, dt))
    if do_init and cn:
        for u in range(N.n_unknowns):
            W.dz[u] = Y[u]
    if do_init:
        for d in range(N.n_det):
            v = Y[det_y[d]]
            det_vprev[d] = v
            det_above[d] = v > det_thr[d]
    record(Y, R, N, method, 0)
    iterations = 0
    failed_step = -1
    bad_y = -1
    bad_step = -1
    faults = M[7]
    fault_key = faults[0]
    fault_step = step0 if fault_key != NO_FAULT else -1
    done = nsteps if fault_step < 0 else 0
    for n in range(nsteps if fault_step < 0 else 0):
        t = (step0 + n) * dt
        lost += deliver_events(Y, M, V, N, method, t, dt, 0)
        events = faults[1]
        failed = False
        if method == RK4:
            rk4_step(Y, S, M, G, W, N, has_algebraic, t, dt)
        else:
            failed, it = implicit_step(Y, S, M, G, E, V, R, W, N, method, n, t, dt, tol)
            iterations += it
        spk_t, spk_gid, n_spk = detect(Y, V, N, t, dt, spk_t, spk_gid, n_spk)
        record(Y, R, N, method, n + 1)
        fault_key = events if events != NO_FAULT else faults[0]
        if fault_key != NO_FAULT:
            fault_step = step0 + n
            done = n + 1
            break
        if failed:
            failed_step = n
            break
        if (n + 1) % check_every == 0 or n + 1 == nsteps:
            bad = np.flatnonzero(~np.isfinite(Y))
            if len(bad):
                bad_y = bad[0]
                bad_step = step0 + n + 1
                break
        if stop[0] != 0:
            done = n + 1
            break
    return (spk_t[:n_spk].copy(), spk_gid[:n_spk].copy(), lost, iterations, failed_step, bad_y, bad_step,
            fault_key, fault_step, done)


@kernel
def rk4_rate(Y, S, M, G, E, W, N, t0, dt):
    """myr_rk4_rate: the largest decay rate at the initial state (1/ms) and where it is."""
    row_ptr, edge_col, edge_val = G.row_ptr, G.edge_col, G.edge_val
    cap, K = W.cap, W.K
    best = 0.0
    at = -1
    prepare_linear(Y, S, M, G, E, W, N, t0, dt)
    initialize(Y, t0, M)
    capacities(Y, cap, M)
    currents(Y, S, t0, M)
    for u in range(N.n_unknowns):
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
    for i in range(N.n_unknowns, N.n_y):
        if abs(K[i]) > best:
            best = abs(K[i])
            at = i
    return best, at
