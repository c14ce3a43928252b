NEURON { SUFFIX kin }
STATE { c o }
BREAKPOINT { SOLVE scheme METHOD sparse }
KINETIC scheme {
    ~ c <-> o (1, 2)
}
