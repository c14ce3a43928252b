NEURON { POINT_PROCESS Selfish }
STATE { g }
NET_RECEIVE (w) {
    g = g + w
    net_send(1, 1)
}
