NEURON { SUFFIX upd }
STATE { s }
BREAKPOINT {
    s = s + 1
}
