"""Myriad: models of coupled nodes and mechanisms, translated to C and run in one call.

Nothing in this package knows about neurons: nodes hold potentials with a
capacity, mechanisms add inflows and evolve their own states, couplings join
pairs of nodes, detectors turn threshold crossings into delayed events.
"""
from myriad.declarations import Coupling, Mechanism, Node, Param, Potential, State
from myriad.errors import (BuildError, DeviceError, DivisionByZeroError, Interrupted, ModelError, MyriadError,
                           NonFiniteError, SimulationError)
from myriad.model import Model
from myriad.refs import Copies, MechRef, MechRefs, NodeRef, NodeRefs, SourceRef
from myriad.result import Result
from myriad.simulation import Simulation

__all__ = ["Coupling", "Mechanism", "Node", "Param", "Potential", "State", "BuildError", "DeviceError", "ModelError",
           "DivisionByZeroError", "Interrupted", "MyriadError", "NonFiniteError", "SimulationError", "Copies",
           "MechRef", "MechRefs", "Model", "NodeRef", "NodeRefs", "SourceRef", "Result", "Simulation"]
