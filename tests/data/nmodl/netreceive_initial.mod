NEURON { POINT_PROCESS PerConnection }
STATE { g }
NET_RECEIVE (w) {
    INITIAL { g = 0 }
    g = g + w
}
