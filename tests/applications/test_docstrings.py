"""help() on every public class and function of the packages a user imports shows a docstring."""
import importlib
import inspect

from myriad import Coupling, Mechanism, Node

PACKAGES = ["myriad", "myriad.search", "applications.neuro"]
MODEL_BASES = (Node, Mechanism, Coupling)


def _classes(module):
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    return {name: getattr(module, name) for name in names}


def _interface(cls, attr, exported) -> bool:
    """Whether a model class's method is part of an interface a user writes to.

    A model class states its equations in methods (``ddt_m``, ``alpha_m``) that
    its class docstring explains; the methods that need their own docstring are
    those of a class other exported classes derive from (``DensityChannel.current``),
    and those overriding such a method (which inherit its docstring)."""
    if not issubclass(cls, MODEL_BASES):
        return True
    derived = any(other is not cls and inspect.isclass(other) and issubclass(other, cls) for other in exported)
    overrides = any(attr in vars(base) for base in cls.__mro__[1:])
    return derived or overrides


def _public(module):
    exported = _classes(module)
    for name, obj in exported.items():
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                        continue
                    if _interface(obj, attr, exported.values()):
                        yield f"{module.__name__}.{name}.{attr}", member


def _undocumented():
    missing = []
    for package in PACKAGES:
        for label, obj in _public(importlib.import_module(package)):
            if not (inspect.getdoc(obj) or "").strip():        # an override inherits its base's docstring
                missing.append(label)
    return sorted(set(missing))


def test_every_public_name_has_a_docstring():
    assert _undocumented() == []
