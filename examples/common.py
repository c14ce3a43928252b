"""What every example shares: its two options and where its figure goes.

Each example runs as ``python examples/NN_name.py [--quick] [--out DIR]``:
``--quick`` (or ``MYRIAD_EXAMPLES_QUICK=1``) runs a smaller model or a
shorter search, as the test suite does; the figure is written to ``DIR``
(default: the current directory) as ``NN_name.png``.
"""
import argparse
import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")                      # figures go to files; no display needed
import matplotlib.pyplot as plt             # noqa: E402  (after choosing the backend)


def options(doc: str) -> argparse.Namespace:
    """The example's ``--quick`` and ``--out``, with its docstring as the help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("MYRIAD_EXAMPLES_QUICK") == "1",
                        help="a smaller model or search (what the test suite runs)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="where the figure goes")
    return parser.parse_args()


def save(fig, args: argparse.Namespace) -> pathlib.Path:
    """Write ``fig`` as ``<out>/<this script's name>.png`` and say where."""
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / (pathlib.Path(sys.argv[0]).stem + ".png")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path
