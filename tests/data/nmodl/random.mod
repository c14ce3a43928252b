NEURON { POINT_PROCESS Noisy NONSPECIFIC_CURRENT i }
ASSIGNED { i (nA) }
BREAKPOINT {
    : normrand in a comment is not the culprit
    i = 0.01 * normrand(0, 1)
}
