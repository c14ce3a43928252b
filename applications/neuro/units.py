"""The one place where NEURON's units meet Myriad's node equation.

Myriad integrates ``capacity * dv/dt = inflow`` with v in mV and t in ms; the
application chooses capacity in nF and inflow in nA (nA / nF = mV/ms).
Parameters keep NEURON's units: lengths in um, densities in S/cm2 and mA/cm2,
specific capacitance in uF/cm2, axial resistivity in ohm cm, point currents
in nA, conductances of point processes in uS.
"""

#: uF/cm2 * um2 -> nF   (1 um2 = 1e-8 cm2, 1 uF = 1e3 nF)
CAPACITANCE_TO_NF = 1e-5
#: mA/cm2 * um2 -> nA   (1e-8 cm2, 1 mA = 1e6 nA)
DENSITY_TO_NA = 1e-2


def axial_conductance_us(Ra: float, shape_um):
    """Conductance (uS) of a conductor of resistivity Ra (ohm cm) and shape factor
    cross-section / length in um (pi r^2 / length for a cylinder).

    R = Ra / shape is in ohm cm / um = 1e4 ohm = 1e-2 Mohm.
    """
    return 100.0 * shape_um / Ra


def axial_shape_um(Ra: float, resistance_mohm: float) -> float:
    """The shape factor (um) of a conductor of resistivity Ra (ohm cm) whose resistance
    is ``resistance_mohm`` (NEURON's ``seg.ri()``); the inverse of :func:`axial_conductance_us`."""
    return Ra / (100.0 * resistance_mohm)

#: Faraday's constant, C/mol
FARADAY = 96485.33212
#: nA of a divalent ion's current -> mM um3/ms of that ion
#: (1 nA = 1e-9 C/s = 1e-9 / (2 F) mol/s; 1 mM um3/ms = 1e-18 mol / 1e-3 s = 1e-15 mol/s)
DIVALENT_NA_TO_FLUX = 1e-9 / (2.0 * FARADAY) / 1e-15
