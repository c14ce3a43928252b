COMMENT
A slow potassium channel written for the translator's tests, in the style of
many published models: the temperature factor tadj is computed in INITIAL
and again in rates(), which DERIVATIVE calls, and BREAKPOINT reads it.
ENDCOMMENT

NEURON {
    SUFFIX kmx
    USEION k READ ek WRITE ik
    RANGE gbar
    GLOBAL q10, temp
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (pS) = (picosiemens)
    (um) = (micron)
}

PARAMETER {
    gbar = 300 (pS/um2)
    temp = 23 (degC)
    q10 = 2.3
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    celsius (degC)
    gk (pS/um2)
    ninf
    ntau (ms)
    tadj
}

STATE { n }

INITIAL {
    tadj = q10^((celsius - temp)/(10 (degC)))
    rates(v)
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gk = tadj*gbar*n
    ik = (1e-4)*gk*(v - ek)
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n)/ntau
}

PROCEDURE rates(v (mV)) {
    tadj = q10^((celsius - temp)/(10 (degC)))
    ninf = 1/(1 + exp(-(v + 35)/10))
    ntau = 20/(tadj*(exp((v + 35)/20) + exp(-(v + 35)/20)))
}
