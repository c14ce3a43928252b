"""Comparing spike trains: the k-th spike of a gid in one run against the k-th in another."""
from collections import defaultdict


def by_gid(spikes):
    out = defaultdict(list)
    for t, gid in spikes:
        out[int(gid)].append(float(t))
    return out


def max_error(spikes, reference, before):
    """Largest |dt| over matched (gid, k) pairs where either spike is before ``before``.

    Returns (error, missing): ``missing`` lists pairs where only one side has
    the spike, i.e. where the runs do not have the same spikes.
    """
    a, b = by_gid(spikes), by_gid(reference)
    worst, missing = 0.0, []
    for gid in sorted(set(a) | set(b)):
        ta, tb = a.get(gid, []), b.get(gid, [])
        for k in range(max(len(ta), len(tb))):
            x = ta[k] if k < len(ta) else None
            y = tb[k] if k < len(tb) else None
            if (x is None or x >= before) and (y is None or y >= before):
                continue
            if x is None or y is None:
                missing.append((gid, k, x, y))
                continue
            worst = max(worst, abs(x - y))
    return worst, missing
