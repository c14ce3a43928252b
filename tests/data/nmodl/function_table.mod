NEURON { SUFFIX tab }
FUNCTION_TABLE tau(v (mV)) (ms)
