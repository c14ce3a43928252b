"""Deep expressions: long sums and products and nested parentheses translate
to C that computes what Python computes; beyond pycast.depth.MAX_DEPTH they are
refused with the file and line; the recursion limit is put back afterwards."""
import importlib.util
import sys
import threading

import pytest

from ctools import compile_function
from pycast import TranslationError, translate
from pycast.depth import MAX_DEPTH, deep_recursion


def _functions(tmp_path, terms: int, name: str):
    source = (f"def long_sum(a):\n    return {' + '.join(f'a * {k % 7 + 1}.25' for k in range(terms))}\n\n\n"
              f"def long_product(a):\n    return {' * '.join(['a'] * terms)}\n\n\n"
              f"def nested(a):\n    return {'(' * 190}a{''.join(f' - {k}.5)' for k in range(190))}\n\n\n"
              f"def int_chain(n: int) -> int:\n    return {' - '.join(['n'] * terms)}\n")
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    with deep_recursion():      # Python itself compiles at most about 3000 terms at its default limit
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("terms", [200, 5000])
def test_deep_expressions_compute_what_python_computes(tmp_path, terms):
    module = _functions(tmp_path, terms, f"deep{terms}")
    for fn, x in ((module.long_sum, 1.0001), (module.long_product, 1.0001), (module.nested, 3.25),
                  (module.int_chain, 7)):
        with deep_recursion():
            expected = fn(x)
        assert compile_function(fn)(x) == expected, fn.__name__


def test_translating_in_a_thread_with_the_default_stack_works(tmp_path):
    module = _functions(tmp_path, MAX_DEPTH - 1, "deep_thread")
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(len(translate(module.long_product))))
    worker.start()
    worker.join(timeout=300)
    assert outcome and outcome[0] > MAX_DEPTH


def test_beyond_the_bound_is_a_translation_error_naming_the_line(tmp_path):
    module = _functions(tmp_path, MAX_DEPTH + 1, "too_deep")
    limit = sys.getrecursionlimit()
    with pytest.raises(TranslationError) as caught:
        translate(module.long_sum)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'too_deep.py'}:2:12: this expression is nested")
    assert f"at most {MAX_DEPTH} levels" in message and len(message.splitlines()[1]) < 200
    assert sys.getrecursionlimit() == limit


def test_the_recursion_limit_is_restored():
    limit = sys.getrecursionlimit()
    with deep_recursion():
        with deep_recursion():
            assert sys.getrecursionlimit() > 10 * MAX_DEPTH
        assert sys.getrecursionlimit() > 10 * MAX_DEPTH
    assert sys.getrecursionlimit() == limit
