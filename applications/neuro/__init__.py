"""Compartmental neuroscience vocabulary built from Myriad nodes and mechanisms."""
from applications.neuro.axial import Axial
from applications.neuro.channels import HH, DensityChannel, Pas
from applications.neuro.compartment import Compartment
from applications.neuro.network import Network
from applications.neuro.point import ExpSyn, IClamp, PointProcess
from applications.neuro.section import Location, Section

__all__ = ["Axial", "HH", "DensityChannel", "Pas", "Compartment", "Network", "ExpSyn", "IClamp",
           "PointProcess", "Location", "Section"]
