COMMENT
Half of an ohmic gap junction (Myriad oracle, benchmarks/peers/neuron_dense.py).

A gap junction of conductance g (uS) between locations a and b is two
HalfGap point processes: one at a with vgap = v(b), one at b with
vgap = v(a).  The current into the cell at this location is g*(vgap - v),
i.e. the (outward, nonspecific) mechanism current is

    i = g*(v - vgap)        (nA)

vgap is an ordinary RANGE variable filled by NEURON's
ParallelContext.source_var / target_var / setup_transfer, which is thread
safe and works with both the fixed step method and CVODE.
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS HalfGap
    NONSPECIFIC_CURRENT i
    RANGE g, vgap, i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    g = 0 (uS)
}

ASSIGNED {
    v (mV)
    vgap (mV)
    i (nA)
}

BREAKPOINT {
    i = g*(v - vgap)
}
