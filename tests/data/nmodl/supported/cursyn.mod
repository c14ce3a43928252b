COMMENT
A current synapse written for the translator's tests: ELECTRODE_CURRENT (a
positive i depolarises), a GLOBAL gain, a PARAMETER that INITIAL clamps, an
ASSIGNED scale that INITIAL computes and NET_RECEIVE reads, and a state jump
written as state_discontinuity.
ENDCOMMENT

NEURON {
    POINT_PROCESS CurSyn
    RANGE tau, i
    ELECTRODE_CURRENT i
    GLOBAL gain
}

UNITS { (nA) = (nanoamp) }

PARAMETER {
    tau = 3 (ms)
    gain = 1
}

ASSIGNED {
    i (nA)
    scale
}

STATE { a (nA) }

INITIAL {
    if (tau < 0.5) {
        tau = 0.5
    }
    a = 0
    scale = 2*gain
}

BREAKPOINT {
    SOLVE st METHOD cnexp
    i = a
}

DERIVATIVE st {
    a' = -a/tau
}

NET_RECEIVE (w (nA)) {
    state_discontinuity(a, a + w*scale)
}
