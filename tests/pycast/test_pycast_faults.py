"""An int // or % by zero, where Python raises and C would trap (SIGFPE), is
reported through pycast_fault with its site (file, line, function, text); a
literal non-zero divisor needs no check; floats give inf/nan as C does."""
import math

import pytest

from ctools import FailedCheck, bind, compile_function, compile_unit
from pycast import Unit, translate


def divide(a: int, b: int) -> int:
    return a // b


def modulo(a: int, b: int) -> int:
    return a % b


def halves(a: int) -> int:
    return a // 2 + a % 3


def both(a: int, b: int, c: int) -> int:
    first = divide(a, b)
    return first + modulo(a, c)


def float_quotients(a, b):
    return a / b + a // b + a % b


@pytest.mark.parametrize("fn", [divide, modulo])
def test_a_zero_divisor_is_reported_where_python_raises(fn):
    with pytest.raises(ZeroDivisionError):
        fn(7, 0)
    with pytest.raises(FailedCheck):
        compile_function(fn)(7, 0)
    assert compile_function(fn)(-7, 2) == fn(-7, 2)


def test_the_site_names_the_file_line_function_and_operation():
    unit = Unit()
    signature = unit.add_function(both)
    assert signature.fault
    lib = compile_unit(unit, [signature])
    with pytest.raises(FailedCheck) as caught:
        bind(lib, signature)(5, 0, 0)       # both fail: the first one, in Python's order, is reported
    site = unit.sites[caught.value.site - 1]
    assert (site.filename, site.lineno, site.function, site.text, site.what) == \
        (__file__, divide.__code__.co_firstlineno + 1, "divide", "a // b", "integer division by zero")
    with pytest.raises(FailedCheck) as caught:
        bind(lib, signature)(5, 1, 0)
    assert unit.sites[caught.value.site - 1].what == "integer modulo by zero"
    assert bind(lib, signature)(5, 2, 3) == both(5, 2, 3)


def test_a_literal_divisor_needs_no_check():
    assert Unit().add_function(halves).fault is False
    assert "checked" not in translate(halves) and "int *pycast_fault" not in translate(halves)
    assert compile_function(halves)(-7) == halves(-7)


def test_floats_divided_by_zero_give_inf_or_nan_without_a_report():
    assert Unit().add_function(float_quotients).fault is False
    with pytest.raises(ZeroDivisionError):
        float_quotients(1.0, 0.0)
    assert math.isnan(compile_function(float_quotients)(1.0, 0.0))
