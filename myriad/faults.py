"""Where a failed check in a translated method happened: the keys the kernels
report and what they mean.

pycast checks the operations Python would raise on and C would trap on (an
int ``//`` or ``%`` by zero): a translated method reports the operation's
site number through its ``pycast_fault`` parameter (pycast.Signature).  The
kernel that called it knows the block and the instance, so it reports
``key(block, site, instance)`` into the context's ``fault`` words
(``myr_fault``: the smallest key of a phase stays, the same for any number of
threads); the host decodes the key with the site table the translation made
(``pycast.Unit.sites``).  Every backend's kernels use :func:`base` and
:data:`INSTANCE_BITS` from here, so the key means the same everywhere.
"""
from __future__ import annotations

from typing import NamedTuple

from myriad.errors import ModelError

#: a fault word's value when nothing failed (C's MYR_NO_FAULT)
NO_FAULT = 2 ** 63 - 1
#: the key's low bits: the instance in its block
INSTANCE_BITS = 40
_CODES = 2 ** (63 - INSTANCE_BITS)
#: fault words: the steps' and set-up's kernels, event delivery's
PHASES, EVENTS = 0, 1
WORDS = 2


class Fault(NamedTuple):
    """A decoded key: the block (a MechBlock or NodeBlock), its instance, the pycast site."""

    block: object
    instance: int
    site: object


def blocks(analysis) -> list:
    """The blocks in the order their codes are numbered: mechanisms, then nodes."""
    return [*analysis.mech_blocks.values(), *analysis.node_blocks.values()]


def base(analysis, block) -> int:
    """What a kernel of ``block`` adds to a site number (1..) to make its code."""
    order, sites = blocks(analysis), len(analysis.unit.sites)
    if len(order) * sites + 1 > _CODES:
        raise ModelError(f"{sites} checked operations in {len(order)} blocks are more than a fault key "
                         f"can tell apart ({_CODES})")
    return order.index(block) * sites


def decode(analysis, key: int) -> Fault:
    """The block, instance and site of a key a kernel reported."""
    code, instance = key >> INSTANCE_BITS, key & ((1 << INSTANCE_BITS) - 1)
    sites = analysis.unit.sites
    block, number = divmod(code - 1, len(sites))
    return Fault(blocks(analysis)[block], instance, sites[number])
