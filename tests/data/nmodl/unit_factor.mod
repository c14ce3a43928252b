NEURON { SUFFIX quantum }
UNITS {
    (mV) = (millivolt)
    h = (planck) (joule-sec)
}
