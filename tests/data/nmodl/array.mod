NEURON { SUFFIX arr }
ASSIGNED {
    x
    shells[4] (um)
}
