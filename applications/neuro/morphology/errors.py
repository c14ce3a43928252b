"""What a malformed morphology file raises: one line naming the file, the line and the sample."""
from myriad import ModelError


class MorphologyError(ModelError):
    """A morphology file that cannot be read; the message is one line: ``file:line: sample id: what``."""

    def __init__(self, path, what: str, line: int | None = None, sample: int | None = None):
        where = str(path) if line is None else f"{path}:{line}"
        if sample is not None:
            where += f": sample {sample}"
        super().__init__(f"{where}: {what}")
