COMMENT
Graded (analog, non-spiking) chemical synapse (Myriad oracle,
benchmarks/peers/neuron_dense.py).

Sits on the postsynaptic location; vpre is the presynaptic membrane
potential, a RANGE variable filled by ParallelContext.source_var /
target_var / setup_transfer (thread safe, fixed step and CVODE).

    sinf(vpre) = 1/(1 + exp(-(vpre - vth)/vslope))
    ds/dt      = (sinf(vpre) - s)/tau          (SOLVE cnexp)
    i          = g*s*(v - e)                   (outward, nA)
    INITIAL      s = sinf(vpre)
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS GradedSyn
    NONSPECIFIC_CURRENT i
    RANGE g, e, vth, vslope, tau, vpre, i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    g = 0 (uS)
    e = 0 (mV)
    vth = -20 (mV)
    vslope = 5 (mV)
    tau = 4 (ms)
}

ASSIGNED {
    v (mV)
    vpre (mV)
    i (nA)
}

STATE {
    s
}

INITIAL {
    s = sinf(vpre)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = g*s*(v - e)
}

DERIVATIVE states {
    s' = (sinf(vpre) - s)/tau
}

FUNCTION sinf(vp (mV)) {
    sinf = 1/(1 + exp(-(vp - vth)/vslope))
}
