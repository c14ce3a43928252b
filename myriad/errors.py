"""Errors a user can act on; each message names the culprit."""


class MyriadError(Exception):
    """Base of Myriad's own errors."""


class ModelError(MyriadError, ValueError):
    """The model or a run setting is invalid (names the object and the field)."""


class BuildError(MyriadError):
    """Generating or compiling the model's C code failed (carries the compiler's message)."""


class SimulationError(MyriadError):
    """The solver stopped abnormally."""


class DeviceError(MyriadError):
    """The cuda backend has no GPU to run on here (the message says what is missing)."""


class NonFiniteError(SimulationError):
    """The solution became NaN or infinite.  ``result`` holds the run up to the
    step where that was found (``step``, ``time`` in ms); ``variable`` names
    the first state that was not finite, and ``ref`` is its node or mechanism."""

    def __init__(self, message: str, result, step: int, time: float, variable: str, ref):
        super().__init__(message)
        self.result, self.step, self.time, self.variable, self.ref = result, step, time, variable, ref


class DivisionByZeroError(SimulationError, ZeroDivisionError):
    """A translated method divided an int by zero (``//`` or ``%``), where
    Python raises and C would kill the process.  ``result`` holds the run up to
    the start of the step during which it happened (``step``, ``time`` in ms);
    ``ref`` is the node or mechanism, ``where`` the method's ``file:line``.
    A ZeroDivisionError too, as the method would raise in Python."""

    def __init__(self, message: str, result, step: int, time: float, ref, where: str):
        super().__init__(message)
        self.result, self.step, self.time, self.ref, self.where = result, step, time, ref, where


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a run.  ``result`` holds the run up to the step
    where it stopped (``step``, ``time`` in ms).  A KeyboardInterrupt, so code
    that does not expect it stops as Ctrl-C always made it stop."""

    def __init__(self, message: str, result, step: int, time: float):
        super().__init__(message)
        self.result, self.step, self.time = result, step, time

    def __str__(self) -> str:
        return self.args[0] if self.args else "interrupted"


def did_you_mean(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to a misspelt ``name``, or ''."""
    import difflib
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
