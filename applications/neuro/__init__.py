"""Compartmental neuroscience vocabulary built from Myriad nodes and mechanisms."""
from applications.neuro.axial import Axial
from applications.neuro.calcium import CalciumChannel, CalciumCompartment, CalciumDecay, CalciumDiffusion
from applications.neuro.cells import Cells
from applications.neuro.channels import HH, DensityChannel, Pas
from applications.neuro.compartment import Compartment
from applications.neuro.gap import GapJunction, GradedSynapse, HalfGap
from applications.neuro.network import Network
from applications.neuro.poisson import poisson_times
from applications.neuro.point import Exp2Syn, ExpSyn, IClamp, PointProcess, SEClamp
from applications.neuro.section import Location, Section, Segments

__all__ = ["Axial", "CalciumChannel", "CalciumCompartment", "CalciumDecay", "CalciumDiffusion", "Cells", "HH",
           "DensityChannel", "Pas", "Compartment", "GapJunction", "GradedSynapse", "HalfGap", "Network",
           "Exp2Syn", "ExpSyn", "IClamp", "PointProcess", "SEClamp", "poisson_times", "Location", "Section", "Segments"]
