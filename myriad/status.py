"""What a run's status (myriad.abi.Status, set by every backend) means for the user:
the errors a run that did not complete raises, each saying why and what to do."""
from __future__ import annotations

from myriad.abi import Context, Status
from myriad.context import CHECK_EVERY, CORE_MAX_ITERATIONS, CORE_TOLERANCE
from myriad import faults
from myriad.errors import DivisionByZeroError, Interrupted, NonFiniteError, SimulationError
from myriad.flatten import FlatModel


def raise_for_status(ctx: Context, dt: float) -> None:
    """Raise for the statuses that leave no result to report."""
    c = ctx.c
    if c.status == Status.ERR_NOMEM:
        raise SimulationError("out of memory while recording spikes")
    if c.status == Status.ERR_CORE:
        step = c.core_failed_step
        raise SimulationError(
            f"the iterative solve of the densely coupled potentials did not reach a relative residual "
            f"of {CORE_TOLERANCE:g} in {CORE_MAX_ITERATIONS} iterations at step {step} "
            f"(t = {step * dt:g} ms); the coupled system is ill-conditioned there")
    if c.status == Status.ERR_EVENTS_LOST:
        raise SimulationError(f"{c.lost_events} events were lost: a source spiked more often than its "
                              f"history buffer allows")


def steps_done(ctx: Context, first: int, nsteps: int) -> int:
    """Steps the run completed: all of them, or up to the check that found a non-finite state."""
    if ctx.c.status == Status.ERR_NONFINITE:
        return ctx.c.bad_step - first
    if ctx.c.status == Status.ERR_FAULT:
        return ctx.c.fault_step - first
    if ctx.c.status == Status.INTERRUPTED:
        return int(ctx.c.done)
    return nsteps


def interrupted(dt: float, first: int, done: int, result) -> Interrupted:
    """The exception of a run that Ctrl-C stopped, carrying ``result``."""
    step = first + done
    return Interrupted(f"interrupted at t = {step * dt:g} ms (step {step}); the exception's .result "
                       f"holds the run up to then", result, step, step * dt)


def non_finite(ctx: Context, flat: FlatModel, dt: float, first: int, result) -> NonFiniteError:
    """The error of a run that blew up, naming the first non-finite state and carrying ``result``."""
    c = ctx.c
    step, (ref, name) = int(c.bad_step), flat.owner(int(c.bad_y))
    what = f"{ref.cls.__name__}[{ref.index}].{name}"
    value = float(ctx.array("Y")[c.bad_y])
    return NonFiniteError(
        f"the solution blew up: {what} is {value} at step {step} (t = {step * dt:g} ms; states are "
        f"checked every {CHECK_EVERY} steps, so it became non-finite after step "
        f"{max(step - CHECK_EVERY, first)}); the error's .result holds the run up to step {step}. "
        f"Use a smaller dt, backward Euler, or check the model's parameters", result, step,
        step * dt, what, ref)


def division_by_zero(ctx: Context, flat: FlatModel, dt: float, result) -> DivisionByZeroError:
    """The error of a run a translated method's int division by zero stopped,
    naming the instance, the method's line and the time, and carrying ``result``."""
    step = int(ctx.c.fault_step)
    fault = faults.decode(flat.analysis, int(ctx.c.fault_key))
    ref, site = flat.instance(fault.block, fault.instance), fault.site
    where = f"{site.filename}:{site.lineno}"
    return DivisionByZeroError(
        f"{ref.cls.__name__}[{ref.index}]: {site.what} in {site.function} ({where}: {site.text}) during the "
        f"step from t = {step * dt:g} ms (step {step}); the error's .result holds the run up to then",
        result, step, step * dt, ref, where)
