NEURON {
    SUFFIX ptr
    POINTER vpre
}
ASSIGNED { vpre (mV) }
