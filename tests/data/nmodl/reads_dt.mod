NEURON { SUFFIX usesdt }
STATE { s }
INITIAL { s = 0 }
BREAKPOINT { SOLVE states METHOD cnexp }
DERIVATIVE states {
    s' = -s / dt
}
