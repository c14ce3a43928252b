"""Random small models, often wrong, built through applications.neuro and run
briefly: each either runs (its numbers finite or not; a blow-up may stop it
with a SimulationError) or is refused with a ModelError.  Any other exception
is a bug, as is a crash or a hang.

A case is a valid model (two or three sections with HH, Pas, a clamp, a
synapse driven by a stimulus, a gap junction and a spike source) plus up to
three mistakes drawn from ``MISTAKES``.  Every model holds the same classes,
so that all cases share a few compiled programs (compiles are cached by
content) and the examples cost a build and a short run each."""
import math

from hypothesis import Phase, event, example, given, settings
from hypothesis import strategies as st
import pytest

from myriad import ModelError, SimulationError
from applications.neuro import HH, ExpSyn, IClamp, Network, Pas

#: numbers that no field should take silently: not finite, zero, negative,
#: huge or tiny, and things that are not numbers at all
BAD_NUMBERS = [0, 0.0, -1.0, -0.0, math.nan, math.inf, -math.inf, 1e300, 1e-300, 2.5, True, "1", "x", None]
MISSPELT = {HH: ["gnabr", "gkbar ", "GL", "m_inf"], Pas: ["gpas", "E"], IClamp: ["ampp", "del", "duration"]}


def _positive(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def sections(draw, i):
    return {"name": f"s{i}", "L": draw(_positive(1.0, 500.0)), "diam": draw(_positive(0.2, 50.0)),
            "nseg": draw(st.integers(1, 4)), "Ra": draw(_positive(20.0, 300.0)), "cm": draw(_positive(0.5, 2.0))}


MISTAKES = st.one_of(
    st.tuples(st.just("section"), st.integers(0, 2), st.sampled_from(["L", "diam", "nseg", "Ra", "cm", "v_init"]),
              st.sampled_from(BAD_NUMBERS)),
    st.tuples(st.just("option"), st.integers(0, 2), st.sampled_from(["lenght", "dima", "nsegs", "ra"])),
    st.tuples(st.just("parent"), st.integers(0, 2),
              st.sampled_from(["itself", "other network", "twice", "loop", "x=1.5", "x=nan", "section"])),
    st.tuples(st.just("hh"), st.sampled_from(["gnabar", "gkbar", "gl", "el", "celsius", *MISSPELT[HH]]),
              st.sampled_from(BAD_NUMBERS + [0.5, -0.12])),
    st.tuples(st.just("pas"), st.sampled_from(["g", "e", *MISSPELT[Pas]]), st.sampled_from(BAD_NUMBERS)),
    st.tuples(st.just("clamp"), st.sampled_from(["delay", "dur", "amp", *MISSPELT[IClamp]]),
              st.sampled_from(BAD_NUMBERS + [-5.0, 1e9])),
    st.tuples(st.just("clamp at"), st.sampled_from([-0.5, 1.5, math.nan, "0.5", None])),
    st.tuples(st.just("synapse"), st.sampled_from(["tau", "e", "delay", "weight"]), st.sampled_from(BAD_NUMBERS)),
    st.tuples(st.just("stimulus"), st.sampled_from([[], [-1.0], [math.nan], ["soon"], 3.0, None])),
    st.tuples(st.just("gap"), st.sampled_from(BAD_NUMBERS + ["same node", "other network"])),
    st.tuples(st.just("threshold"), st.sampled_from([math.nan, math.inf, "10", None, 1e300])),
    st.tuples(st.just("gid"), st.sampled_from([-1, 2.5, "0", None, True])),
    st.tuples(st.just("dt"), st.sampled_from([0.0, -0.025, math.nan, math.inf, -math.inf, 1e3, "0.025", None])),
    st.tuples(st.just("tstop"), st.sampled_from([-1.0, math.nan, math.inf, "5", None])),
    st.tuples(st.just("method"), st.sampled_from(["euler", "RK4", None])),
)


@st.composite
def cases(draw):
    n = draw(st.integers(2, 3))
    return {
        "sections": [draw(sections(i)) for i in range(n)],
        "parents": [draw(st.tuples(st.integers(0, i - 1), st.sampled_from([0.0, 0.5, 1.0]))) for i in range(1, n)],
        "hh": {"gnabar": draw(_positive(0.0, 0.5)), "gkbar": draw(_positive(0.0, 0.1)),
               "gl": draw(_positive(0.0, 0.01))},
        "pas": {"g": draw(_positive(0.0, 0.01)), "e": draw(_positive(-90.0, -40.0))},
        "clamp": {"delay": draw(_positive(0.0, 3.0)), "dur": draw(_positive(0.0, 5.0)),
                  "amp": draw(_positive(-1.0, 5.0))},
        "clamp at": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "synapse": {"tau": draw(_positive(0.1, 10.0)), "e": 0.0, "delay": draw(_positive(0.0, 3.0)),
                    "weight": draw(_positive(0.0, 0.1))},
        "stimulus": [draw(_positive(0.0, 4.0))],
        "gap": draw(_positive(0.0, 1.0)),
        "threshold": draw(_positive(-20.0, 20.0)),
        "gid": draw(st.integers(0, 5)),
        "dt": draw(st.sampled_from([0.005, 0.025, 0.1])),
        "tstop": draw(st.integers(0, 50)) * 0.1,        # a whole number of steps of every dt drawn
        "method": draw(st.sampled_from(["backward_euler", "rk4"])),
        "mistakes": draw(st.lists(MISTAKES, max_size=3)),
    }


def _apply(case: dict) -> dict:
    """The case with its mistakes written into its values; wiring mistakes
    (a parent, a gap junction's ends) go to ``wiring`` as (kind, what, section)."""
    case = {key: (value.copy() if isinstance(value, dict) else value) for key, value in case.items()}
    case["sections"] = [dict(row) for row in case["sections"]]
    case["wiring"] = {}
    for kind, *what in case["mistakes"]:
        if kind == "section":
            i, field, value = what
            case["sections"][i % len(case["sections"])][field] = value
        elif kind == "option":
            case["sections"][what[0] % len(case["sections"])][what[1]] = 1.0
        elif kind in ("hh", "pas", "clamp", "synapse"):
            case[kind][what[0]] = what[1]
        elif kind == "parent":
            case["wiring"][kind, what[1]] = what[0]
        elif kind == "gap" and what[0] in ("same node", "other network"):
            case["wiring"][kind, what[0]] = 0
        else:
            case[kind] = what[0]
    return case


def _build_and_run(case: dict) -> None:
    case = _apply(case)
    net = Network()
    made = [net.section(**row) for row in case["sections"]]
    wiring = case["wiring"]
    for i, (k, x) in enumerate(case["parents"], start=1):
        made[i].connect(made[k](x))
    for (kind, what), i in wiring.items():
        sec = made[i % len(made)]
        if (kind, what) == ("gap", "other network"):
            continue                                    # the gap junction below
        if what == "itself":
            extra = net.section("extra")
            extra.connect(extra(1))
        elif what == "other network":
            Network().section("elsewhere").connect(sec(1))
        elif what == "loop":
            made[0].connect(made[-1](1))
        elif what == "twice":
            made[-1].connect(made[0](0.5))
        elif what == "section":
            net.section("extra").connect(sec)
        elif what == "same node":
            net.gap_junction(sec(0.5), sec(0.5), g=0.1)
        else:
            sec(1.5 if what == "x=1.5" else math.nan)
    made[0].insert(HH, **case["hh"])
    for sec in made[1:]:
        sec.insert(Pas, **case["pas"])
    made[0](case["clamp at"]).place(IClamp, **case["clamp"])
    synapse = case["synapse"]
    syn = made[-1](0.5).place(ExpSyn, tau=synapse["tau"], e=synapse["e"])
    net.connect(net.stimulus(case["stimulus"]), syn, delay=synapse["delay"], weight=synapse["weight"])
    other = Network().section("far")(0.5) if ("gap", "other network") in wiring else made[-1](0.5)
    net.gap_junction(made[0](0.5), other, g=case["gap"])
    net.spike_source(made[0](0.5), case["gid"], case["threshold"])
    sim = net.simulation(method=case["method"], dt=case["dt"])
    probe = sim.record(made[0](0.5).node(), "v")
    result = sim.run(case["tstop"])
    assert len(result[probe]) == len(result.t)


#: cases that once escaped as another exception (regressions): a section
#: option misspelt (TypeError), a section connected to a section rather than a
#: location (AttributeError), a non-numeric v_init, stimulus time or gid
#: (ValueError), a stimulus given as one number (TypeError)
REGRESSIONS = [[("option", 0, "lenght")], [("parent", 1, "section")], [("section", 0, "v_init", "x")],
               [("stimulus", ["soon"])], [("stimulus", 3.0)], [("stimulus", None)], [("gid", None)]]

VALID = {"sections": [{"name": "s0", "L": 20.0, "diam": 20.0, "nseg": 1, "Ra": 100.0, "cm": 1.0},
                      {"name": "s1", "L": 200.0, "diam": 1.0, "nseg": 3, "Ra": 100.0, "cm": 1.0}],
         "parents": [(0, 1.0)], "hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003},
         "pas": {"g": 0.001, "e": -65.0}, "clamp": {"delay": 0.5, "dur": 3.0, "amp": 0.5}, "clamp at": 0.5,
         "synapse": {"tau": 2.0, "e": 0.0, "delay": 1.0, "weight": 0.01}, "stimulus": [1.0], "gap": 0.01,
         "threshold": 10.0, "gid": 0, "dt": 0.025, "tstop": 5.0, "method": "backward_euler", "mistakes": []}


def _with(mistakes):
    return {**VALID, "mistakes": mistakes}


def _examples(test):
    for mistakes in [[], *REGRESSIONS]:
        test = example(case=_with(mistakes))(test)
    return test


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@_examples
@given(case=cases())
def test_random_models_run_or_are_refused(case):
    outcome = _outcome(case)
    event(outcome)
    if not case["mistakes"] and case["method"] == "backward_euler":     # rk4 may be refused as unstable
        assert outcome != "ModelError", "a valid model was refused"


def _outcome(case: dict) -> str:
    try:
        _build_and_run(case)
    except (ModelError, SimulationError) as exc:
        return type(exc).__name__
    return "ran"


def test_the_valid_model_runs():
    """A refusal is not a pass: the model without mistakes runs, on both methods."""
    for method in ("backward_euler", "rk4"):
        _build_and_run({**VALID, "method": method})


@settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=[Phase.generate])
@given(case=cases())
def test_random_models_without_mistakes_run(case):
    """Valid random models (no mistakes) on backward Euler are never refused
    (rk4 may be, as unstable at the drawn dt; a blow-up may stop a run)."""
    assert _outcome({**case, "mistakes": [], "method": "backward_euler"}) in ("ran", "SimulationError")


#: at least this share of the random cases (mistakes included) must run
MIN_RAN = 0.1      # derandomised draws: 7 of 60 run under the CI profile, 23 of 60 under the default one


@pytest.mark.slow
def test_a_fair_share_of_random_cases_run():
    outcomes = []

    @settings(max_examples=60, deadline=None, derandomize=True, database=None, phases=[Phase.generate])
    @given(case=cases())
    def collect(case):
        outcomes.append(_outcome(case))

    collect()
    ran = outcomes.count("ran") / len(outcomes)
    assert ran >= MIN_RAN, (ran, {o: outcomes.count(o) for o in set(outcomes)})
