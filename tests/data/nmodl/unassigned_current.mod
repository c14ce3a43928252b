: a current that BREAKPOINT never assigns: 0 unless given, as in NEURON
NEURON {
    SUFFIX silent
    NONSPECIFIC_CURRENT il
}
ASSIGNED { il (mA/cm2) }
BREAKPOINT { }
