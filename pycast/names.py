"""C identifiers for Python names.

Generated code is included next to the C library headers and may be compiled
as C++ by nvcc, so a Python name that is a C/C++ keyword, a libm or common libc
name, or a reserved identifier is renamed rather than allowed to shadow or
clash.  ``pycast_`` is kept for the runtime helpers and temporaries, so no
renamed Python name can collide with them.
"""
from __future__ import annotations

import re

RUNTIME_PREFIX = "pycast_"
#: the parameter through which a function reports a failed check (pycast.signature.Signature)
FAULT_PARAM = RUNTIME_PREFIX + "fault"

_KEYWORDS = set("""
auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof
_Atomic _Generic _Noreturn _Static_assert _Thread_local bool true false
alignas alignof and and_eq asm bitand bitor catch char8_t char16_t char32_t class compl
concept consteval constexpr constinit const_cast co_await co_return co_yield decltype
delete dynamic_cast explicit export friend mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public reinterpret_cast requires
static_assert static_cast template this thread_local throw try typeid typename using
virtual wchar_t xor xor_eq
threadIdx blockIdx blockDim gridDim warpSize
""".split())

_MATH = """
acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp
ilogb ldexp log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf
erfc lgamma tgamma ceil floor nearbyint rint lrint llrint round lround llround trunc fmod
remainder remquo copysign nan nextafter nexttoward fdim fmax fmin fma gamma j0 j1 jn y0
y1 yn drem finite scalb significand exp10 pow10 sincos lgamma_r gamma_r
""".split()

_FUNCTION_MACROS = set("""
fpclassify isfinite isinf isnan isnormal signbit isgreater isgreaterequal isless
islessequal islessgreater isunordered assert
""".split())

# Object-like macros are replaced wherever they appear, so no name may equal one.
_OBJECT_MACROS = set("""
INFINITY NAN HUGE_VAL HUGE_VALF HUGE_VALL MATH_ERRNO MATH_ERREXCEPT math_errhandling DOMAIN
SING OVERFLOW UNDERFLOW TLOSS PLOSS signgam errno NULL EOF stdin stdout stderr
""".split())

_LIBC = set("""
abs labs llabs div ldiv lldiv malloc calloc realloc free exit abort atexit atoi atof atol
strtod strtol rand srand qsort bsearch getenv system printf fprintf sprintf snprintf puts
putchar fopen fclose fread fwrite memcpy memset memmove memcmp strlen strcpy strcmp
strncpy strcat time clock index rindex select signal raise main
""".split())

RESERVED = frozenset(_KEYWORDS | _FUNCTION_MACROS | _OBJECT_MACROS | _LIBC
                     | {name + suffix for name in _MATH for suffix in ("", "f", "l")})

_MACRO_PATTERN = re.compile(r"^(_[A-Z]|FP_|M_|U?INT\w*_(MAX|MIN|C)$)|__")
_RESERVED_PATTERN = re.compile(_MACRO_PATTERN.pattern + r"|^omp_|_t$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def usable(name: str) -> bool:
    """Whether pycast may pick ``name``: it shadows and clashes with nothing it might meet."""
    return (_IDENTIFIER.fullmatch(name) is not None
            and name not in RESERVED
            and not name.startswith(RUNTIME_PREFIX)
            and _RESERVED_PATTERN.search(name) is None)


def parameter_ok(name: str) -> bool:
    """Whether a name chosen by the caller (a field's C name) works as a parameter.

    Shadowing a library function is harmless unless the function body calls it,
    which the translator checks separately; keywords and object-like macros never work.
    """
    return (_IDENTIFIER.fullmatch(name) is not None
            and name not in _KEYWORDS and name not in _OBJECT_MACROS
            and not name.startswith(RUNTIME_PREFIX)
            and _MACRO_PATTERN.search(name) is None)


def fresh(name: str, taken: set[str]) -> str:
    """A usable C identifier close to ``name`` and not in ``taken`` (which it joins)."""
    base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", name))
    if not usable(base):
        base = "py_" + re.sub(r"_t$", "_v", base.strip("_"))
    stem = base.rstrip("_") or "py"
    candidate, counter = base, 2
    while candidate in taken or not usable(candidate):
        candidate = f"{stem}_{counter}"
        counter += 1
    taken.add(candidate)
    return candidate
