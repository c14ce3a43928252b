/* The OpenMP target's launcher: one parallel region runs the team's loop
 * (solver.c), each thread collecting its spikes in a list of its own; the
 * lists are joined at the end into c->spk_t / c->spk_gid (freed by
 * myr_release).  The team's barrier (myriad_solver.h) is this run's own. */

int32_t myr_run(myr_ctx *c)
{
    int nthreads = c->threads > 0 ? c->threads : 1;
    myr_spike_list *lists = calloc((size_t)nthreads, sizeof(myr_spike_list));
    myr_barrier *barrier = NULL;
#ifdef MYR_TEAM_BARRIER
    if (nthreads > 1 && !(barrier = myr_barrier_new())) {
        free(lists);
        return c->status = MYR_ERR_NOMEM;
    }
#endif
    if (!lists) {
        myr_barrier_free(barrier);
        return c->status = MYR_ERR_NOMEM;
    }
    c->status = MYR_OK;
    c->lost_events = 0;
    c->core_iterations = 0;
    c->core_failed_step = -1;
    c->bad_y = c->bad_step = -1;
    c->fault_key = MYR_NO_FAULT;
    c->fault_step = -1;
    c->done = 0;
    __atomic_store_n(&c->progress, 0, __ATOMIC_RELAXED);

    #pragma omp parallel num_threads(nthreads)
    {
        myr_team_begin(barrier);
        myr_team_run(c, &lists[myr_rank()]);
        myr_team_end();
    }
    myr_barrier_free(barrier);

    int64_t total = 0;
    int failed = 0;
    for (int i = 0; i < nthreads; i++) {
        total += lists[i].n;
        failed |= lists[i].failed;
    }
    c->spk_t = malloc((size_t)(total ? total : 1) * sizeof(double));
    c->spk_gid = malloc((size_t)(total ? total : 1) * sizeof(int64_t));
    if (!c->spk_t || !c->spk_gid) {
        failed = 1;
    }
    int64_t at = 0;
    for (int i = 0; i < nthreads; i++) {
        if (!failed && lists[i].n) {
            memcpy(c->spk_t + at, lists[i].t, (size_t)lists[i].n * sizeof(double));
            memcpy(c->spk_gid + at, lists[i].gid, (size_t)lists[i].n * sizeof(int64_t));
            at += lists[i].n;
        }
        free(lists[i].t);
        free(lists[i].gid);
    }
    free(lists);
    c->n_spikes = failed ? 0 : total;
    if (failed) {
        c->status = MYR_ERR_NOMEM;
    } else if (c->fault_step >= 0) {       /* the team stops at the first error: none came before it */
        c->status = MYR_ERR_FAULT;
    } else if (c->core_failed_step >= 0) {
        c->status = MYR_ERR_CORE;
    } else if (c->bad_step >= 0) {
        c->status = MYR_ERR_NONFINITE;
    } else if (c->lost_events) {
        c->status = MYR_ERR_EVENTS_LOST;
    }
    return c->status;
}

void myr_release(myr_ctx *c)
{
    free(c->spk_t);
    free(c->spk_gid);
    c->spk_t = NULL;
    c->spk_gid = NULL;
    c->n_spikes = 0;
}
