"""pycast.Unit: methods with fields, inheritance and super(), writable fields, shared
helpers and naming; differential where the C can be run."""
from __future__ import annotations

import copy
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycparser import c_ast

import pycast_models as models
from ctools import call_method, compile_unit, same
from pycast import FieldBinding, Signature, TranslationError, Unit
from pycast.cbuild import Comment, render

WRITABLE = {("gbar",): False, ("e",): False, ("m",): True, ("h",): True, ("g",): True,
            ("node", "v"): False, ("node", "area"): False}


def writable(path):
    if path not in WRITABLE:
        raise LookupError(f"the model has no field {'.'.join(path)}")
    return FieldBinding(path, "_".join(path), "double", WRITABLE[path])


def read_only(path):
    return writable(path)._replace(writable=False)


def channel_unit():
    unit = Unit()
    signatures = {(cls, name): unit.add_method(cls, name, writable)
                  for cls in (models.IonChannel, models.SlowChannel)
                  for name in ("inflow_v", "initialize", "advance", "on_event")}
    return unit, signatures


UNIT, SIGNATURES = channel_unit()
LIB = compile_unit(UNIT, SIGNATURES.values())

values = st.floats(-100.0, 100.0, allow_nan=False)
channels = st.builds(lambda cls, gbar, e, m, h, g, v, area: cls(gbar, e, m, h, g, models.Node(v, area)),
                     st.sampled_from([models.IonChannel, models.SlowChannel]),
                     st.floats(0.0, 1.0), values, st.floats(0.0, 1.0), st.floats(0.0, 1.0), values,
                     values, st.floats(1.0, 1000.0))


def run_both(channel, name, *args):
    """Python result and fields after the call, then the same from C."""
    python = copy.deepcopy(channel)
    expected = getattr(python, name)(*args)
    signature = SIGNATURES[(type(channel), name)]
    actual, written = call_method(LIB, signature, channel, *args)
    for path, value in written.items():
        obj = python
        for part in path:
            obj = getattr(obj, part)
        assert same(obj, value, rel=1e-13), (name, path, obj, value)
    return expected, actual


@given(channels)
@settings(max_examples=300, deadline=None)
def test_methods_match_python(channel):
    expected, actual = run_both(channel, "inflow_v")
    assert same(expected, actual, rel=1e-13)
    run_both(channel, "initialize")
    run_both(channel, "on_event", 0.25)


@given(channels, st.floats(0.0, 0.1))
@settings(max_examples=300, deadline=None)
def test_augmented_assignment_to_fields(channel, dt):
    run_both(channel, "advance", dt)


def test_signature_lists_fields_of_callees_sorted():
    sig = SIGNATURES[(models.IonChannel, "inflow_v")]
    assert sig.cname == "IonChannel_inflow_v"
    assert sig.return_type == "double" and sig.args == []
    assert [f.path for f in sig.fields] == [("e",), ("gbar",), ("h",), ("m",), ("node", "area"),
                                            ("node", "v")]
    on_event = SIGNATURES[(models.IonChannel, "on_event")]
    assert on_event.return_type == "void"
    assert on_event.args == [("weight", "double")]
    assert on_event.fields == [FieldBinding(("g",), "g", "double", True)]
    assert isinstance(on_event, Signature)


def test_same_method_twice_gives_the_same_signature():
    assert UNIT.add_method(models.IonChannel, "inflow_v", writable) is SIGNATURES[(models.IonChannel,
                                                                                   "inflow_v")]


def test_override_and_super_get_their_own_functions():
    text = render(c_ast.FileAST(UNIT.definitions()))
    assert "static double SlowChannel_minf(double v)" in text
    assert "static double SlowChannel_IonChannel_minf(double v)" in text
    assert "return 0.5 * SlowChannel_IonChannel_minf(v) + 0.25;" in text
    # inherited methods are translated per class, calling that class's overrides
    assert "*m = SlowChannel_minf(node_v);" in text
    assert "*m = IonChannel_minf(node_v);" in text
    assert text.count("static double gate(double v)") == 1


def test_definitions_come_callees_first_with_origin_comments():
    nodes = UNIT.definitions()
    names = [n.decl.name for n in nodes if isinstance(n, c_ast.FuncDef)]
    assert names.index("gate") < names.index("IonChannel_minf") < names.index("IonChannel_initialize")
    assert names.index("IonChannel_current") < names.index("IonChannel_inflow_v")
    for position, node in enumerate(nodes):
        if isinstance(node, c_ast.FuncDef):
            assert isinstance(nodes[position - 1], Comment)
    line = inspect.getsourcelines(models.IonChannel.current)[1]
    origin = f"pycast_models.IonChannel.current, pycast_models.py:{line}"
    assert any(isinstance(n, Comment) and n.text == origin for n in nodes)
    text = render(c_ast.FileAST(nodes))
    assert (f"/* pycast_models.py:{line + 1}: return self.gbar * self.m ** 3 * self.h * "
            "(self.node.v - self.e) */") in text
    assert UNIT.includes == ["math.h"]


class Leak:
    """Same __name__ as pycast_models.Leak: the unit must keep their C names apart."""

    def current(self) -> float:
        return self.g * 2.0

    def is_active(self) -> bool:
        return self.g > 0.0


def test_classes_sharing_a_name_get_unique_c_names():
    unit = Unit()
    first = unit.add_method(models.Leak, "current", writable)
    second = unit.add_method(Leak, "current", writable)
    assert first.cname == "Leak_current" and second.cname == "Leak_current_2"
    active = unit.add_method(Leak, "is_active", read_only)
    assert active.return_type == "bool"
    assert unit.includes == ["math.h", "stdbool.h"]
    lib = compile_unit(unit, [first, second, active])
    obj = models.Leak()
    obj.g, obj.e, obj.node = 0.5, -65.0, models.Node(-20.0, 1.0)
    assert same(obj.current(), call_method(lib, first, obj)[0], rel=1e-13)
    assert call_method(lib, second, obj)[0] == 1.0
    assert call_method(lib, active, obj)[0] is True


def test_helpers_shared_by_functions_and_methods_are_emitted_once():
    unit = Unit()
    unit.add_function(models.scaled)
    unit.add_method(models.Leak, "current", read_only)
    assert unit.add_function(models.gate) is unit.add_function(models.gate)
    text = render(c_ast.FileAST(unit.definitions()))
    assert text.count("static double gate(double v)") == 1
    assert text.count("static double clip(double x)") == 1
    assert text.count("pycast_min_double(double a, double b)\n") == 1


def test_read_only_caller_lends_its_copy_to_a_callee_that_only_reads():
    unit = Unit()
    current = unit.add_method(models.IonChannel, "current", writable)
    inflow = unit.add_method(models.IonChannel, "inflow_v", read_only)
    assert [f.writable for f in current.fields if f.path == ("m",)] == [True]
    assert all(not f.writable for f in inflow.fields)
    lib = compile_unit(unit, [inflow])
    channel = models.IonChannel(0.12, 50.0, 0.3, 0.6, 0.0, models.Node(-30.0, 500.0))
    assert same(channel.inflow_v(), call_method(lib, inflow, channel)[0], rel=1e-13)


class Resetting(models.IonChannel):
    def reset(self):
        self.initialize()


def test_read_only_caller_cannot_call_a_method_that_assigns_fields():
    unit = Unit()
    unit.add_method(Resetting, "initialize", writable)
    with pytest.raises(TranslationError) as info:
        unit.add_method(Resetting, "reset", read_only)
    assert "assigns self.h" in info.value.message
    assert info.value.lineno == inspect.getsourcelines(Resetting.reset)[1] + 1


class Counter:
    def tick(self, n: int) -> int:
        self.count += n
        return self.count // self.limit

    def level(self, v):
        return v + self.node.v


def test_int_fields_and_parameters_sharing_a_field_c_name():
    def resolve(path):
        if path == ("node", "v"):
            return FieldBinding(path, "v", "double")
        return FieldBinding(path, path[0], "int", path == ("count",))

    unit = Unit()
    tick = unit.add_method(Counter, "tick", resolve)
    level = unit.add_method(Counter, "level", resolve)
    assert [(f.cname, f.ctype, f.writable) for f in tick.fields] == [("count", "int", True),
                                                                     ("limit", "int", False)]
    text = render(c_ast.FileAST(unit.definitions()))
    assert "static double Counter_level(double v_2, double v)" in text
    lib = compile_unit(unit, [tick, level])
    counter = Counter()
    counter.count, counter.limit, counter.node = -7, 3, models.Node(0.25, 1.0)
    result, written = call_method(lib, tick, counter, 2)
    assert (result, written) == (-2, {("count",): -5})
    assert call_method(lib, level, counter, 1.5)[0] == 1.75
