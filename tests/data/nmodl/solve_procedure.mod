NEURON { SUFFIX expl RANGE x }
ASSIGNED { x }
BREAKPOINT {
    SOLVE update
}
PROCEDURE update() { x = x + 1 }
