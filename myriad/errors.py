"""Errors a user can act on; each message names the culprit."""


class MyriadError(Exception):
    """Base of Myriad's own errors."""


class ModelError(MyriadError, ValueError):
    """The model or a run setting is invalid (names the object and the field)."""


class BuildError(MyriadError):
    """Generating or compiling the model's C code failed (carries the compiler's message)."""


class SimulationError(MyriadError):
    """The solver stopped abnormally."""
