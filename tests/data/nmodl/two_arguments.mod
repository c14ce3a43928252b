NEURON { POINT_PROCESS Two }
STATE { g }
NET_RECEIVE (w, k) {
    g = g + w
}
