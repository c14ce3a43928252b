NEURON { POINT_PROCESS Watcher }
NET_RECEIVE (w) {
    WATCH (v > 0) 2
}
