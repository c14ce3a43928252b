NEURON {
    SUFFIX pool
    USEION ca READ cao WRITE cai
}
ASSIGNED { cai (mM) cao (mM) }
