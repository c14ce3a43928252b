COMMENT
A delayed rectifier written for the translator's tests: SOLVE METHOD
derivimplicit, GLOBAL parameters, an ASSIGNED value INITIAL computes and
later blocks read (tadj), a PROCEDURE with a TABLE, and a FUNCTION that reads
a value its caller just computed (ninf).
ENDCOMMENT

NEURON {
    SUFFIX kdrx
    USEION k READ ek WRITE ik
    RANGE gbar
    GLOBAL vhalf, slope, q10
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.036 (S/cm2)
    vhalf = -40 (mV)
    slope = 12 (mV)
    q10 = 3
    ntau0 = 4 (ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    celsius (degC)
    ninf
    ntau (ms)
    tadj
}

STATE { n }

INITIAL {
    tadj = q10^((celsius - 6.3)/10)
    rates(v)
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD derivimplicit
    ik = gbar*n^4*(v - ek)
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n)/ntau
}

PROCEDURE rates(v (mV)) {
    TABLE ninf, ntau DEPEND celsius FROM -100 TO 100 WITH 200
    ninf = 1/(1 + exp(-(v - vhalf)/slope))
    ntau = taun(v)
}

FUNCTION taun(v (mV)) (ms) {
    taun = ntau0*4*ninf*(1 - ninf)/tadj + 0.5
}
