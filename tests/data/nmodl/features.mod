COMMENT
No SUFFIX (NEURON names the mechanism after the file), a scaled unit factor,
a keyword as a name, a LOCAL that one path reads before assigning it, a
PROCEDURE that assigns its own argument, and pow/fabs/floor.
ENDCOMMENT

NEURON {
    NONSPECIFIC_CURRENT i
    RANGE lambda
}

UNITS {
    FARADAY = (faraday) (10000 coulomb)
}

PARAMETER {
    lambda = 2
    g = 0.001 (S/cm2)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    k
}

BREAKPOINT {
    LOCAL x
    if (v > 0) {
        x = 1
    }
    scale(v)
    i = g*(v + 65)*(1 + x) + 0*FARADAY*k*pow(fabs(lambda), 2)*floor(0.5)
}

PROCEDURE scale(u) {
    u = u/2
    k = u
}
