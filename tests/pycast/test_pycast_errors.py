"""pycast refuses what it cannot translate faithfully: one case per refusal class.

Each sample marks the line the error must point at with ``# ERR``; the test checks
the exception, that line, that the message names the construct and the
compiler-style rendering.
"""
from __future__ import annotations

import functools
import inspect
import math

import pytest

import pycast_models as models
from pycast import FieldBinding, TranslationError, Unit, translate

LIST_CONSTANT = [1.0, 2.0]


def mark(fn):
    return fn


# -- module-level samples --------------------------------------------------------------------

def list_display(x):
    return [x, x]  # ERR


def dict_display(x):
    d = {"x": x}  # ERR
    return x


def tuple_display(x):
    return (x, x)  # ERR


def tuple_unpacking(x):
    a, b = x, x  # ERR
    return a


def string_literal(x):
    name = "x"  # ERR
    return x


def lambda_in_body(x):
    f = lambda y: y * 2  # ERR
    return x


module_lambda = lambda x: x + 1  # ERR


def make_closure(scale):
    def scaled(x):  # ERR
        return x * scale
    return scaled


closure = make_closure(2.0)


def list_comprehension(n: int):
    values = [i * 2 for i in range(n)]  # ERR
    return 0.0


def generator_expression(n: int):
    return max(i for i in range(n))  # ERR


def try_statement(x):
    try:  # ERR
        return 1.0 / x
    except ZeroDivisionError:
        return 0.0


def with_statement(x):
    with open("f") as handle:  # ERR
        pass
    return x


COUNTER = 0


def global_statement(x):
    global COUNTER  # ERR
    return x


def make_nonlocal():
    total = 0.0

    def add(x):
        nonlocal total  # ERR
        total = total + x
        return total
    return add


nonlocal_user = make_nonlocal()


def foreign_attribute(x):
    return x.real  # ERR


def class_attribute(x):
    return models.Node.v  # ERR


def keyword_argument(v):
    return models.rate(v, k=2)  # ERR


def star_args(*xs):  # ERR
    return 0.0


def default_value(x, y=1.0):  # ERR
    return x + y


@mark  # ERR
def decorated(x):
    return x


def factorial(n: int) -> int:
    if n <= 1:
        return 1
    return n * factorial(n - 1)  # ERR


def ping(n: int) -> int:
    if n <= 0:
        return 0
    return pong(n - 1)


def pong(n: int) -> int:
    return ping(n - 1) + 1  # ERR


def unknown_function(x):
    print(x)  # ERR
    return x


def unsupported_builtin(n: int):
    return sum(n, n)  # ERR


def undefined_name(x):
    return x + not_defined_anywhere  # ERR


def int_float_mix(n: int):
    total = 0
    for i in range(n):
        total = total + 0.5  # ERR
    return total


def and_of_floats(a, b):
    return a and b  # ERR


def int_power_variable(n: int, m: int):
    return n ** m  # ERR


def variable_step(n: int, s: int) -> int:
    total = 0
    for i in range(0, n, s):  # ERR
        total += i
    return total


def maybe_unassigned(x):
    if x > 0:
        y = 1.0
    return y  # ERR


def missing_return(x):
    if x > 0:
        return 1.0
    x = x * 2  # ERR


def bitwise(n: int) -> int:
    return n & 1  # ERR


def identity_test(x) -> bool:
    return x is None  # ERR


def subscript(x):
    return x[0]  # ERR


def iterate_other(n: int):
    for v in LIST_CONSTANT:  # ERR
        n += 1
    return n


def while_else(x):
    while x > 1.0:
        x = x / 2
    else:  # (the error points at the while statement)
        x = 0.0
    return x


while_else.line = inspect.getsourcelines(while_else)[1] + 1


def huge_literal() -> int:
    return 3000000000  # ERR


def narrowing_return(x) -> int:
    return x  # ERR


def chained_assignment(x):
    a = b = x  # ERR
    return a + b


def bad_annotation(x: str):  # ERR
    return 1.0


def float_to_int_parameter(v):
    return models.rate(v, 1.5)  # ERR


def list_global():
    return LIST_CONSTANT  # ERR


def function_value():
    g = models.gate  # ERR
    return 0.0


def nothing(x):
    pass


def void_value(x):
    y = nothing(x)  # ERR
    return x


def range_elsewhere(n: int):
    r = range(n)  # ERR
    return 0.0


def calls_local(x):
    f = x
    return f(1.0)  # ERR


def bitwise_invert(n: int) -> int:
    return ~n  # ERR


def bare_expression(x):
    x + 1  # ERR
    return x


def walrus(x):
    return (y := x)  # ERR


def raises(x):
    raise ValueError(x)  # ERR


def math_outside_table(x):
    return math.gamma(x)  # ERR


def float_range(x):
    total = 0.0
    for i in range(x):  # ERR
        total += i
    return total


FUNCTIONS = [
    (list_display, "list displays"), (dict_display, "dicts"), (tuple_display, "tuples"),
    (tuple_unpacking, "tuple unpacking"), (string_literal, "string literals"),
    (lambda_in_body, "lambdas"), (module_lambda, "lambdas"), (closure, "closures"),
    (list_comprehension, "list comprehensions"), (generator_expression, "generator expressions"),
    (try_statement, "try statements"), (with_statement, "with statements"),
    (global_statement, "global declarations"), (nonlocal_user, "nonlocal declarations"),
    (foreign_attribute, "attribute access x.real"), (class_attribute, "attribute access models.Node.v"),
    (keyword_argument, "keyword arguments"), (star_args, "*args parameters"),
    (default_value, "default parameter values"), (decorated, "decorated functions"),
    (factorial, "recursion"), (unknown_function, "print()"), (unsupported_builtin, "sum()"),
    (undefined_name, "name 'not_defined_anywhere' is not defined"),
    (int_float_mix, "assigned both int and float"), (and_of_floats, "operands of 'and' must be bool"),
    (int_power_variable, "int ** int needs a literal exponent"),
    (variable_step, "step of range() must be an int literal"),
    (maybe_unassigned, "'y' may be used before it is assigned"),
    (missing_return, "without returning a value"), (bitwise, "bitwise operator '&'"),
    (identity_test, "'is' operator"), (subscript, "subscripts"),
    (iterate_other, "only supported over range"), (huge_literal, "does not fit a C int"),
    (narrowing_return, "returns a float from a function returning int"),
    (chained_assignment, "chained assignment"), (bad_annotation, "unsupported annotation str"),
    (float_to_int_parameter, "parameter 'k' of rate() is int, but a float is passed"),
    (list_global, "only int, float and bool module-level constants"),
    (function_value, "functions can only be called"), (void_value, "returns nothing"),
    (range_elsewhere, "range() can only be the iterable of a for loop"),
    (calls_local, "'f' is a local variable, not a function"),
    (bitwise_invert, "bitwise operator '~'"), (bare_expression, "expression statements"),
    (walrus, "assignment expressions"), (raises, "raise are not supported"),
    (math_outside_table, "math.gamma()"), (float_range, "range() arguments must be ints"),
]


def marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    marked = [first + n for n, line in enumerate(lines) if line.rstrip().endswith("# ERR")]
    return marked[0] if marked else fn.line


def check_error(error: TranslationError, line: int, words: str) -> None:
    assert words in error.message, error.message
    assert error.lineno == line, str(error)
    assert error.filename == __file__
    rendered = str(error).splitlines()
    assert rendered[0].startswith(f"{__file__}:{line}:") and rendered[0].endswith(error.message)
    if error.col is not None:
        source = error.source_line.strip()
        assert rendered[1] == "    " + source
        caret = rendered[2].index("^") - 4
        assert 0 <= caret < len(source)
    if error.hint:
        assert rendered[-1] == "hint: " + error.hint


@pytest.mark.parametrize("fn, words", FUNCTIONS, ids=[fn.__name__ for fn, _ in FUNCTIONS])
def test_refused(fn, words):
    with pytest.raises(TranslationError) as info:
        translate(fn)
    check_error(info.value, marked_line(fn), words)


def test_mutual_recursion_is_refused_where_the_cycle_closes():
    with pytest.raises(TranslationError) as info:
        translate(ping)
    check_error(info.value, marked_line(pong), "recursion")


def test_while_else_is_refused():
    with pytest.raises(TranslationError) as info:
        translate(while_else)
    check_error(info.value, while_else.line, "while...else")


def test_caret_points_at_the_construct():
    with pytest.raises(TranslationError) as info:
        translate(undefined_name)
    lines = str(info.value).splitlines()
    assert lines[1] == "    return x + not_defined_anywhere  # ERR"
    assert lines[2] == "    " + " " * len("return x + ") + "^"


def test_a_failed_translation_leaves_the_unit_usable():
    unit = Unit()
    with pytest.raises(TranslationError):
        unit.add_function(maybe_unassigned)
    signature = unit.add_function(models.scaled)
    assert signature.cname == "scaled"


# -- methods ------------------------------------------------------------------------------------

READ_ONLY = {("gbar",), ("e",), ("node", "v"), ("node", "area")}


def resolve(path):
    if path in READ_ONLY:
        return FieldBinding(path, "_".join(path), "double", False)
    if path in {("g",), ("m",)}:
        return FieldBinding(path, "_".join(path), "double", True)
    raise LookupError(f"no field {'.'.join(path)}; known: gbar, e, g, m, node.v, node.area")


class Faulty:
    def read_only_field(self):
        self.gbar = 1.0  # ERR

    def read_only_path(self):
        self.node.v = 0.0  # ERR

    def unknown_field(self):
        return self.nope * 2.0  # ERR

    def bump(self):
        self.g = self.g + 1.0
        return self.g

    def effect_in_expression(self):
        return self.bump() + self.bump()  # ERR

    def field_method(self):
        return self.node.fire()  # ERR

    def no_such_method(self):
        return self.nothing()  # ERR

    def explicit_super(self):
        return super(Faulty, self).bump()  # ERR

    def assign_self(self):
        self = 1.0  # ERR

    def bare_self(self):
        return models.clip(self)  # ERR

    @staticmethod
    def static(x):
        return x

    def int_into_float_field(self):
        self.m = self.g > 1.0  # (allowed: bool widens to float)

    def float_into_local_int(self, n: int):
        n = self.g  # ERR


METHODS = [
    ("read_only_field", "field self.gbar is read-only"), ("read_only_path", "field self.node.v is read-only"),
    ("unknown_field", "unknown field self.nope"), ("effect_in_expression", "assigns fields"),
    ("field_method", "calling self.node.fire() is not supported"), ("no_such_method", "no method 'nothing'"),
    ("explicit_super", "zero-argument form super()"), ("assign_self", "assigning to 'self'"),
    ("bare_self", "'self' can only be used as self.<field>"),
    ("float_into_local_int", "'n' is int, but a float is assigned"),
]


@pytest.mark.parametrize("name, words", METHODS, ids=[name for name, _ in METHODS])
def test_refused_in_methods(name, words):
    with pytest.raises(TranslationError) as info:
        Unit().add_method(Faulty, name, resolve)
    check_error(info.value, marked_line(getattr(Faulty, name)), words)


def test_unknown_field_hint_is_the_resolvers_message():
    with pytest.raises(TranslationError) as info:
        Unit().add_method(Faulty, "unknown_field", resolve)
    assert info.value.hint == "no field nope; known: gbar, e, g, m, node.v, node.area"


def test_methods_that_are_not_plain_functions_are_refused():
    with pytest.raises(TranslationError, match="staticmethod"):
        Unit().add_method(Faulty, "static", resolve)
    with pytest.raises(TranslationError, match="no method 'missing'"):
        Unit().add_method(Faulty, "missing", resolve)
    with pytest.raises(TranslationError, match="not a Python function"):
        translate(functools.partial(models.gate))


def test_bool_widens_into_a_float_field():
    assert Unit().add_method(Faulty, "int_into_float_field", resolve).return_type == "void"


class Exponential:
    def rate(self):
        return math.exp(self.exp)  # ERR


def test_field_c_name_that_hides_a_called_function():
    def resolve(path):
        return FieldBinding(path, path[0], "double")

    with pytest.raises(TranslationError) as info:
        Unit().add_method(Exponential, "rate", resolve)
    check_error(info.value, marked_line(Exponential.rate), "which this function also calls")
    keyword = lambda path: FieldBinding(path, "double", "double")  # noqa: E731
    with pytest.raises(TranslationError, match="cannot be a C parameter name"):
        Unit().add_method(Exponential, "rate", keyword)


def overflowing_power() -> int:
    return 10 ** 10  # ERR


def test_constant_int_power_must_fit():
    with pytest.raises(TranslationError) as info:
        translate(overflowing_power)
    check_error(info.value, marked_line(overflowing_power), "10 ** 10 = 10000000000 does not fit a C int")


def exp(x):
    return x * 2.0


def test_translate_keeps_the_python_name_or_refuses():
    with pytest.raises(TranslationError, match="'exp' cannot be used for a C function"):
        translate(exp)
    assert Unit().add_function(exp).cname == "py_exp"
