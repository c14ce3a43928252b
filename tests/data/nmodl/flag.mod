NEURON { POINT_PROCESS Flagged }
STATE { g }
NET_RECEIVE (w) {
    if (flag == 1) {
        g = g + w
    }
}
