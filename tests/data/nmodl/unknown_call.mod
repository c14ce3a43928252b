NEURON { SUFFIX talker NONSPECIFIC_CURRENT i }
ASSIGNED { i (mA/cm2) }
BREAKPOINT {
    printf("hello\n")
    i = 0
}
