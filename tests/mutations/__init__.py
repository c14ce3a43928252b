"""Mutation checks: plausible bugs, each introduced alone into a temporary
copy of the repository, with the tests that must catch it.

Each entry is (name, file, exact old text, new text, tests).  The old text
must occur exactly once in the file.  ``python -m tests.mutations`` (make
mutate) applies them one at a time, runs the named tests with a private
MYRIAD_CACHE_DIR and fails if any mutation survives."""

SOLVER_C = "csolver/solver.c"
NUMBA = "myriad/backends/numba/solver.py"
ASYM = "tests/myriad/test_asymmetric_coupling.py"
ASYM_C = [f"{ASYM}::test_backward_euler_step_with_unsymmetric_couplings[{k}-{p}-openmp]"
          for k in ("tree", "loops", "dense") for p in ("linear", "per-step")]
SPIKES = "tests/myriad/test_spike_timing.py"
TRACES = "tests/applications/test_{}.py::test_backward_euler_is_neurons_fixed_step_{}"
ASYM_NUMBA = [f"{ASYM}::test_backward_euler_step_with_unsymmetric_couplings[tree-{p}-numba]"
              for p in ("linear", "per-step")]

MUTATIONS = [
    ("tree solve reads J[jk] for J[kj] (C)", SOLVER_C,
     "            diag[j] -= f * J[kj[p]];\n            rhs[j] += f * rhs[k];",
     "            diag[j] -= f * J[jk[p]];\n            rhs[j] += f * rhs[k];", ASYM_C),
    ("tree back substitution reads J[jk] (C)", SOLVER_C,
     "            s += J[kj[p]] * rhs[j];", "            s += J[jk[p]] * rhs[j];", ASYM_C),
    ("linear-tree solve swaps a_kj and a_jk (C)", SOLVER_C,
     "            const double a_kj = a[2 * p], a_jk = a[2 * p + 1];",
     "            const double a_kj = a[2 * p + 1], a_jk = a[2 * p];", ASYM_C),
    ("loop elimination reads up_jk for up_kj (C)", SOLVER_C,
     "            diag[j] -= f * J[c->up_kj[q]];", "            diag[j] -= f * J[c->up_jk[q]];", ASYM_C),
    ("tree solve reads J[jk] for J[kj] (numba)", NUMBA,
     "            diag[j] -= f * J[kj[p]]", "            diag[j] -= f * J[jk[p]]", ASYM_NUMBA),
    ("linear-tree solve swaps a_kj and a_jk (numba)", NUMBA,
     "            a_kj, a_jk = a[2 * p], a[2 * p + 1]", "            a_kj, a_jk = a[2 * p + 1], a[2 * p]",
     ASYM_NUMBA),
    ("pycast float // without its rounding correction", "pycast/runtime.py",
     '[assign("q", call("floor", ident("div"))), snap]', '[assign("q", call("floor", ident("div")))]',
     ["tests/pycast/test_pycast_floordiv.py"]),
    ("Simulation.run always raises ModelError", "myriad/simulation.py",
     "        state, self._resume = self._resume, None\n",
     "        raise ModelError('mutated')\n        state, self._resume = self._resume, None\n",
     ["tests/myriad/test_fuzz_models.py::test_the_valid_model_runs",
      "tests/myriad/test_fuzz_models.py::test_random_models_without_mistakes_run",
      "tests/myriad/test_fuzz_models.py::test_a_fair_share_of_random_cases_run"]),
    ("events delivered up to t + dt (C)", SOLVER_C,
     "    const double limit = t + 0.5 * dt;", "    const double limit = t + dt;",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step"]),
    ("backward Euler currents at t (C)", SOLVER_C,
     "    myr_currents(c, c->Y, c->S, t + 0.5 * dt);", "    myr_currents(c, c->Y, c->S, t);",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step"]),
    ("spike times not interpolated (C)", SOLVER_C,
     "                const double ts = t + frac * dt;", "                const double ts = t + dt;",
     [f"{SPIKES}::test_spike_times_are_the_interpolated_crossings[backward_euler-openmp]",
      f"{SPIKES}::test_spike_times_are_the_interpolated_crossings[rk4-openmp]"]),
    ("detector threshold > becomes >= (C)", SOLVER_C,
     "        if (v > thr) {", "        if (v >= thr) {", [f"{SPIKES}::test_reaching_the_threshold_without_passing_it_is_no_spike[backward_euler-openmp]",
      f"{SPIKES}::test_reaching_the_threshold_without_passing_it_is_no_spike[rk4-openmp]"]),
    ("HH q10 base 3.0 -> 2.0", "applications/neuro/channels.py",
     "        return 3.0 ** ((self.celsius - 6.3) / 10.0)", "        return 2.0 ** ((self.celsius - 6.3) / 10.0)",
     ["tests/applications/test_hh_temperature.py"]),
    ("RK4 final weight dt/6 -> -dt/6 (C)", SOLVER_C,
     "        Y[i] = Yacc[i] + dt / 6.0 * K[i];", "        Y[i] = Yacc[i] - dt / 6.0 * K[i];",
     ["tests/myriad/test_linear_solver.py::test_rk4_step_is_the_fourth_order_taylor_polynomial"]),
    ("RK4 second stage weight dt/3 -> dt/6 (C)", SOLVER_C,
     "        Yacc[i] += dt / 3.0 * K[i];\n        Yst[i] = Y[i] + 0.5 * dt * K[i];",
     "        Yacc[i] += dt / 6.0 * K[i];\n        Yst[i] = Y[i] + 0.5 * dt * K[i];",
     ["tests/myriad/test_linear_solver.py::test_rk4_step_is_the_fourth_order_taylor_polynomial"]),
    ("backward Euler diagonal: + jdiag for - jdiag (C)", SOLVER_C,
     "            c->diag[u] = c->cap[u] * inv_dt - myr_jdiag(c, u);",
     "            c->diag[u] = c->cap[u] * inv_dt + myr_jdiag(c, u);",
     [f"{ASYM}::test_backward_euler_step_with_unsymmetric_couplings[tree-per-step-openmp]"]),
    ("events delivered up to t + dt (numba)", NUMBA,
     "    limit = t + 0.5 * dt\n", "    limit = t + dt\n",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step_on_numba"]),
    ("backward Euler currents at t (numba)", NUMBA,
     "    currents(Y, S, t + 0.5 * dt, M)\n    assemble", "    currents(Y, S, t, M)\n    assemble",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step_on_numba"]),
    ("spike times not interpolated (numba)", NUMBA,
     "                ts = t + frac * dt", "                ts = t + dt",
     [f"{SPIKES}::test_spike_times_are_the_interpolated_crossings[backward_euler-numba]"]),
    ("detector threshold > becomes >= (numba)", NUMBA,
     "        if v > thr:", "        if v >= thr:",
     [f"{SPIKES}::test_reaching_the_threshold_without_passing_it_is_no_spike[backward_euler-numba]"]),
    ("pycast float % without its sign fix", "pycast/runtime.py",
     '[assign("mod", binop("+", ident("mod"), ident("b")))]', '[assign("mod", ident("mod"))]',
     ["tests/pycast/test_pycast_floordiv.py"]),
    ("IClamp on until delay + dur inclusive", "applications/neuro/point.py",
     "self.delay <= self.t < self.delay + self.dur", "self.delay <= self.t <= self.delay + self.dur",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step"]),
    ("ExpSyn event sets g instead of adding", "applications/neuro/point.py",
     "        self.g = self.g + weight\n\n\nclass Exp2Syn", "        self.g = weight\n\n\nclass Exp2Syn",
     ["tests/applications/test_off_grid.py::test_off_grid_times_match_neuron_fixed_step"]),
    # spike-time tolerances miss these; NEURON's fixed step compared step for step does not
    ("HH alpha_m rate 0.1 -> 0.1001", "applications/neuro/channels.py",
     "        return 0.1 * vtrap(-(v + 40.0), 10.0)", "        return 0.1001 * vtrap(-(v + 40.0), 10.0)",
     [TRACES.format("hh_soma", "trace_for_trace")]),
    ("segment area with pi as 3.1416", "applications/neuro/section.py",
     "np.full(nseg, math.pi * diam * seg)", "np.full(nseg, 3.1416 * diam * seg)",
     [TRACES.format("cable", "trace_for_trace")]),
    ("events sent at the end of the spike's step, not its crossing (C)", SOLVER_C,
     "                c->src_buf[c->src_off[s] + c->src_count[s] % c->src_cap[s]] = ts;",
     "                c->src_buf[c->src_off[s] + c->src_count[s] % c->src_cap[s]] = t + dt;",
     [TRACES.format("ringtest", "with_interpolated_spikes")]),
    ("NaN check dropped (C)", SOLVER_C,
     "            if (myr_first_nonfinite(c) >= 0) {     /* the same answer in every thread */",
     "            if (0 && myr_first_nonfinite(c) >= 0) {     /* the same answer in every thread */",
     ["tests/myriad/test_run_safety.py"]),
]
