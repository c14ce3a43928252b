"""What a MOD file that cannot be translated raises: one line naming the culprit."""
from myriad.errors import MyriadError


class NmodlError(MyriadError):
    """A MOD file could not be read or translated."""


class Refused(NmodlError):
    """A construct the translator does not translate (yet).  The message is
    ``FILE:LINE:COLUMN: CONSTRUCT is not supported[: why]``; ``construct``
    holds the construct's name alone, for tables of refusals."""

    def __init__(self, path: str, line: int, column: int, construct: str, why: str = ""):
        self.path, self.line, self.column, self.construct = path, line, column, construct
        super().__init__(f"{path}:{line}:{column}: {construct} is not supported" + (f": {why}" if why else ""))


class NmodlUnavailable(NmodlError):
    """The ``neuron`` wheel, which carries NMODL's parser, is not installed."""
