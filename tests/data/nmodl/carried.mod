NEURON { SUFFIX carried NONSPECIFIC_CURRENT i }
STATE { m }
ASSIGNED { v (mV) i (mA/cm2) minf }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = 0.001 * m * minf * (v + 65)
}
DERIVATIVE states {
    minf = 1 / (1 + exp(-v))
    m' = minf - m
}
