"""Check `stackelberg expr diff` / `expr eval` against SymPy.

Every expression of CASES is differentiated by the CLI (all first partials
and all ordered second partials); the printed text is parsed back with SymPy
and compared numerically, at 5 seeded random points of the expression's
domain, with SymPy's own derivative of the same input.  SymPy is the peer:
nothing here is used by the Swift core.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pytest
import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    standard_transformations,
)

# ---------------------------------------------------------------------------
# The toolkit's text syntax, as SymPy sees it
# ---------------------------------------------------------------------------

FUNCTIONS = ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs",
             "sign", "sigmoid", "softplus")

_t = sp.Symbol("t", real=True)
SYMPY_FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "tanh": sp.tanh,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sign": sp.sign,
    "sigmoid": sp.Lambda(_t, 1 / (1 + sp.exp(-_t))),
    "softplus": sp.Lambda(_t, sp.log(1 + sp.exp(_t))),
}

TRANSFORMS = standard_transformations + (convert_xor,)

TOKEN = re.compile(
    r"\s+"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<op>[-+*/^()])"
    r"|(?P<bad>.)"
)


def syntax_problems(text: str, variables: tuple[str, ...]) -> list[str]:
    """Return reasons why `text` is not in the toolkit's text syntax."""
    problems = []
    if "\n" in text.strip():
        problems.append("output spans several lines")
    if "**" in text:
        problems.append("uses '**' (the toolkit's power is '^')")
    for m in TOKEN.finditer(text):
        if m.group("bad"):
            problems.append(f"unexpected character {m.group('bad')!r}")
        ident = m.group("ident")
        if ident and ident not in FUNCTIONS and ident not in variables:
            problems.append(f"unknown identifier {ident!r}")
    return problems


@lru_cache(maxsize=None)
def symbols_for(variables: tuple[str, ...]) -> dict[str, sp.Symbol]:
    return {v: sp.Symbol(v, real=True) for v in variables}


def to_sympy(text: str, variables: tuple[str, ...]) -> sp.Expr:
    local = dict(SYMPY_FUNCTIONS)
    local.update(symbols_for(variables))
    return parse_expr(text, local_dict=local, transformations=TRANSFORMS,
                      evaluate=True)


# ---------------------------------------------------------------------------
# Cases: expression, variables, sampling domain per variable.
# A domain is (lo, hi) or ("pm", lo, hi) meaning a random sign times
# a magnitude in [lo, hi] (used to stay off the kinks of abs/sign while
# still visiting both branches).
# ---------------------------------------------------------------------------

R = (-2.0, 2.0)
POS = (0.3, 3.0)
PM = ("pm", 0.3, 2.0)


@dataclass(frozen=True)
class Case:
    expr: str
    domain: dict = field(hash=False)
    variables: tuple[str, ...] = ("x", "y")

    def __post_init__(self):
        assert set(self.domain) == set(self.variables), self.expr


XY = ("x", "y")
XYZ = ("x", "y", "z")

CASES = [
    # polynomials, integer powers, unary minus precedence
    Case("x^2*y + 3*x*y^3 - 7", {"x": R, "y": R}),
    Case("(x - y)^3", {"x": R, "y": R}),
    Case("-x^2 + -y^3", {"x": R, "y": R}),
    Case("-(x - y)^2*2^-x", {"x": R, "y": R}),
    Case("2^3^x + y", {"x": (-1.0, 1.0), "y": R}),
    Case(".5*x^2 + 1e-3*y^4 - 2.5E+4*x*y + 1.25e2", {"x": R, "y": R}),
    # negative and non-integer exponents
    Case("(x + 2*y)^-2", {"x": (0.5, 2.0), "y": (0.5, 2.0)}),
    Case("x^2.5*y", {"x": POS, "y": R}),
    Case("x^(-1.5) + y^(1/3)", {"x": POS, "y": POS}),
    Case("(x*y)^(-0.5)*sin(x)", {"x": POS, "y": POS}),
    # variable exponents
    Case("x^y", {"x": POS, "y": R}),
    Case("y^(x^2)", {"x": (-1.5, 1.5), "y": POS}),
    Case("(1 + x^2)^(y/2)", {"x": R, "y": R}),
    Case("cos(x)^y", {"x": (-1.2, 1.2), "y": R}),
    # a power of a power: printing must keep the parentheses ((a^b)^c, not a^b^c)
    Case("(x^2)^y + (y^0.5)^x", {"x": PM, "y": POS}),
    # quotients
    Case("x/y", {"x": R, "y": (0.5, 2.0)}),
    Case("(x^2 - y)/(x + y^2 + 1)", {"x": (0.0, 2.0), "y": R}),
    Case("1/(x*y)", {"x": PM, "y": PM}),
    Case("x/(y/(x + 1))", {"x": (0.2, 2.0), "y": (0.5, 2.0)}),
    Case("log(1 + x^2)/y", {"x": R, "y": (0.5, 2.0)}),
    # exp / log / sqrt
    Case("sqrt(x^2 + y^2 + 1)", {"x": R, "y": R}),
    Case("sqrt(x)*log(y)", {"x": POS, "y": POS}),
    Case("log(x*y)", {"x": POS, "y": POS}),
    Case("exp(-x^2 - y^2)", {"x": R, "y": R}),
    Case("exp(x*y)*sin(x)", {"x": R, "y": R}),
    Case("exp(sin(x*y))*log(2 + cos(x))", {"x": R, "y": R}),
    # trigonometric / hyperbolic
    Case("sin(x)*cos(y) + tan(x*y)", {"x": (-0.9, 0.9), "y": (-0.9, 0.9)}),
    Case("tan(x)^2 - 1/cos(y)", {"x": (-1.0, 1.0), "y": (-1.2, 1.2)}),
    Case("tanh(x*y + 1)", {"x": R, "y": R}),
    Case("tanh(x)^3/(1 + y^2)", {"x": R, "y": R}),
    Case("sin(sqrt(x^2 + y^2))", {"x": PM, "y": PM}),
    Case("tanh(log(x + y))", {"x": (0.2, 2.0), "y": (0.2, 2.0)}),
    # abs and sign (kept off their kinks)
    Case("abs(x - y)", {"x": ("pm", 0.5, 2.0), "y": (-0.3, 0.3)}),
    Case("abs(x)*y^2", {"x": PM, "y": R}),
    Case("abs(sin(x) + y)", {"x": (-1.0, 1.0), "y": ("pm", 1.9, 3.0)}),
    Case("x*sign(y) + sign(x)*y^2", {"x": PM, "y": PM}),
    Case("sqrt(abs(x*y))", {"x": PM, "y": PM}),
    # sigmoid / softplus, nested
    Case("sigmoid(x*y)", {"x": R, "y": R}),
    Case("softplus(x - 2*y)", {"x": R, "y": R}),
    Case("sigmoid(softplus(x) - y^2)", {"x": R, "y": R}),
    Case("softplus(sigmoid(x)*y)", {"x": R, "y": R}),
    Case("log(sigmoid(x)) + softplus(-y)", {"x": R, "y": R}),
    Case("x*exp(-y)*sigmoid(x - y)", {"x": R, "y": R}),
    # other identifiers: the STAC toy game's objectives
    Case("-w*theta", {"theta": R, "w": R}, ("theta", "w")),
    Case("(w*theta + theta^2/5)^2", {"theta": R, "w": R}, ("theta", "w")),
    Case("x1*y_2^2 + sin(x1)", {"x1": R, "y_2": R}, ("x1", "y_2")),
    # three variables
    Case("x*y*z + x^2*z^3", {"x": R, "y": R, "z": R}, XYZ),
    Case("exp(x*y)*sin(z) + log(1 + z^2)/x",
         {"x": (0.5, 2.0), "y": R, "z": R}, XYZ),
    Case("sqrt(x^2 + y^2 + z^2)", {"x": PM, "y": PM, "z": PM}, XYZ),
    Case("sigmoid(x*y - z)*softplus(z*x)", {"x": R, "y": R, "z": R}, XYZ),
    Case("(x + y)/(y + z^2 + 1)", {"x": R, "y": (0.0, 2.0), "z": R}, XYZ),
    Case("abs(x - z)*tanh(y)",
         {"x": ("pm", 0.5, 2.0), "y": R, "z": (-0.3, 0.3)}, XYZ),
]

CASE_IDS = [f"{i:02d}:{c.expr}" for i, c in enumerate(CASES)]
N_POINTS = 5
RTOL = 1e-9
ATOL = 1e-11


def sample_points(case: Case, seed: int, n: int = N_POINTS) -> list[dict]:
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        point = {}
        for v in case.variables:
            spec = case.domain[v]
            if spec[0] == "pm":
                _, lo, hi = spec
                value = rng.uniform(lo, hi) * rng.choice((-1.0, 1.0))
            else:
                lo, hi = spec
                value = rng.uniform(lo, hi)
            point[v] = value
        points.append(point)
    return points


def value_at(expr: sp.Expr, variables: tuple[str, ...], point: dict) -> complex:
    syms = symbols_for(variables)
    subs = {syms[v]: sp.Float(point[v], 30) for v in variables}
    value = sp.N(expr.subs(subs), 30)
    return complex(value)


def close(a: complex, b: complex) -> bool:
    if not (math.isfinite(a.real) and math.isfinite(b.real)):
        return False
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL


def fmt_point(point: dict) -> str:
    return ",".join(f"{k}={v!r}" for k, v in point.items())


def orders(variables: tuple[str, ...]) -> list[tuple[str, ...]]:
    """First partials and second partials (mixed ones in both orders for
    two variables; for three, the upper triangle plus one reversed pair,
    to keep the number of CLI calls down)."""
    first = [(v,) for v in variables]
    if len(variables) <= 2:
        second = [(a, b) for a in variables for b in variables]
    else:
        second = [(a, b) for i, a in enumerate(variables)
                  for b in variables[i:]]
        second.append((variables[-1], variables[0]))
    return first + second


# ---------------------------------------------------------------------------
# SymPy-only sanity of the case list (runs without the CLI)
# ---------------------------------------------------------------------------

def test_case_list_covers_the_syntax():
    text = " ".join(c.expr for c in CASES)
    for name in FUNCTIONS:
        assert re.search(rf"\b{name}\(", text), f"no case uses {name}"
    for op in "+-*/^()":
        assert op in text, f"no case uses {op!r}"
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if "z" in c.variables) >= 3


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_is_defined_on_its_domain(case):
    expr = to_sympy(case.expr, case.variables)
    syms = set(symbols_for(case.variables).values())
    assert expr.free_symbols <= syms, expr.free_symbols - syms
    for i, point in enumerate(sample_points(case, seed=1000 + CASES.index(case))):
        val = value_at(expr, case.variables, point)
        assert math.isfinite(val.real) and abs(val.imag) < 1e-20, (
            f"{case.expr} undefined at {fmt_point(point)}: {val}")


# ---------------------------------------------------------------------------
# CLI vs SymPy
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_partials_match_sympy(cli, case):
    index = CASES.index(case)
    variables = case.variables
    reference = to_sympy(case.expr, variables)
    syms = symbols_for(variables)
    points = sample_points(case, seed=1000 + index)
    failures = []
    for wrt in orders(variables):
        proc = cli("expr", "diff", case.expr, "--wrt", ",".join(wrt))
        out = proc.stdout.strip()
        label = "d/d" + ",".join(wrt)
        problems = syntax_problems(out, variables)
        if not out:
            failures.append(f"{label}: empty output")
            continue
        if problems:
            failures.append(f"{label}: output {out!r} not in toolkit "
                            f"syntax: {'; '.join(problems)}")
            continue
        try:
            got_expr = to_sympy(out, variables)
        except Exception as exc:  # noqa: BLE001 - report any parse failure
            failures.append(f"{label}: SymPy cannot parse {out!r}: {exc}")
            continue
        want_expr = sp.diff(reference, *[syms[v] for v in wrt])
        for point in points:
            want = value_at(want_expr, variables, point)
            try:
                got = value_at(got_expr, variables, point)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{label} at {fmt_point(point)}: cannot "
                                f"evaluate CLI output {out!r}: {exc}")
                break
            if abs(got.imag) > ATOL or not close(got, want):
                failures.append(
                    f"{label} at {fmt_point(point)}: CLI {got} vs SymPy "
                    f"{want}\n    CLI text:   {out}\n    SymPy expr: "
                    f"{sp.sstr(want_expr)}")
                break
    assert not failures, (f"expression {case.expr!r}:\n  "
                          + "\n  ".join(failures))


# `expr eval` on every other case, one point each.
EVAL_CASES = CASES[::2]


@pytest.mark.parametrize("case", EVAL_CASES, ids=CASE_IDS[::2])
def test_eval_matches_sympy(cli, case):
    index = CASES.index(case)
    point = sample_points(case, seed=2000 + index, n=1)[0]
    proc = cli("expr", "eval", case.expr, "--at", fmt_point(point))
    out = proc.stdout.strip()
    try:
        got = float(out)
    except ValueError:
        pytest.fail(f"expr eval {case.expr!r} printed {out!r}, not a number")
    want = value_at(to_sympy(case.expr, case.variables), case.variables, point)
    assert close(complex(got), want), (
        f"expr eval {case.expr!r} at {fmt_point(point)}: CLI {got!r} vs "
        f"SymPy {want.real!r}")


EVAL_EXACT = [
    ("-x^2", "x=3", -9.0),
    ("2^3^x", "x=2", 512.0),
    ("(2^3)^x", "x=2", 64.0),
    ("x - y - 1", "x=1,y=-1", 1.0),
    ("x / y / 2", "x=8,y=2", 2.0),
    (".5 + 1e-3 + 2.5E+4", "x=0", 25000.501),
    ("sigmoid(0)", "x=0", 0.5),
    ("softplus(0)", "x=0", math.log(2.0)),
    ("sign(x) + abs(x)", "x=-2.5", 1.5),
]


@pytest.mark.parametrize("expr,at,want", EVAL_EXACT,
                         ids=[e for e, _, _ in EVAL_EXACT])
def test_eval_precedence_and_numbers(cli, expr, at, want):
    out = cli("expr", "eval", expr, "--at", at).stdout.strip()
    assert math.isclose(float(out), want, rel_tol=1e-15, abs_tol=1e-15), (
        f"expr eval {expr!r} --at {at}: printed {out!r}, expected {want!r}")


def test_eval_prints_17_significant_digits(cli):
    out = cli("expr", "eval", "x/3", "--at", "x=1").stdout.strip()
    assert float(out) == 1.0 / 3.0, out
    mantissa = re.sub(r"[eE].*$", "", out).lstrip("-+").replace(".", "")
    assert len(mantissa.lstrip("0")) >= 16, (
        f"expected ~17 significant digits, got {out!r}")


# The CLI must accept its own output: feed derivatives back to `expr eval`.
ROUND_TRIP = [c for c in CASES if c.expr in {
    "2^3^x + y", "(x*y)^(-0.5)*sin(x)", "cos(x)^y", "(x^2)^y + (y^0.5)^x",
    "abs(x - y)", "x*sign(y) + sign(x)*y^2", "sigmoid(softplus(x) - y^2)",
    "(w*theta + theta^2/5)^2"}]


@pytest.mark.parametrize("case", ROUND_TRIP,
                         ids=[c.expr for c in ROUND_TRIP])
def test_derivative_text_is_valid_input(cli, case):
    var = case.variables[0]
    out = cli("expr", "diff", case.expr, "--wrt", var).stdout.strip()
    point = sample_points(case, seed=3000)[0]
    proc = cli("expr", "eval", out, "--at", fmt_point(point), ok=False)
    assert proc.returncode == 0, (
        f"CLI rejects its own derivative text {out!r} of {case.expr!r}: "
        f"{proc.stderr.strip()}")
    syms = symbols_for(case.variables)
    want = value_at(sp.diff(to_sympy(case.expr, case.variables), syms[var]),
                    case.variables, point)
    got = float(proc.stdout.strip())
    assert close(complex(got), want), (
        f"eval of d/d{var} {case.expr!r} at {fmt_point(point)}: "
        f"CLI {got!r} vs SymPy {want.real!r}")


# ---------------------------------------------------------------------------
# LaTeX output
# ---------------------------------------------------------------------------

def braces_balanced(text: str) -> bool:
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            i += 2  # escaped literal brace
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def double_superscripts(text: str) -> list[str]:
    """Places like `x^{2}^{y}`: a superscript group followed by another `^`,
    which LaTeX rejects ("Double superscript")."""
    found = []
    for m in re.finditer(r"\^", text):
        j = m.end()
        if j < len(text) and text[j] == "{":
            depth = 0
            for k in range(j, len(text)):
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                if depth == 0:
                    break
            end = k + 1
        else:
            end = j + 1  # single-token exponent
        if end < len(text) and text[end] == "^":
            found.append(text[max(0, m.start() - 10):end + 5])
    return found


LATEX_CASES = [
    ("(x^2 - y)/(x + y^2 + 1)", "x"),
    ("sqrt(x)*log(y)", "x"),
    ("sigmoid(x*y) + softplus(x)", "x,y"),
    ("x^(-1.5)*exp(-x^2)", "x"),
    ("abs(sin(x) + y)^2.5", "y"),
    ("(x^2)^y", "y"),
]


@pytest.mark.parametrize("expr,wrt", LATEX_CASES,
                         ids=[e for e, _ in LATEX_CASES])
def test_latex_output_is_balanced(cli, expr, wrt):
    out = cli("expr", "diff", expr, "--wrt", wrt, "--format", "latex").stdout
    text = out.strip()
    assert text, f"empty LaTeX for d/d{wrt} {expr!r}"
    assert braces_balanced(text), f"unbalanced braces in {text!r}"
    assert not double_superscripts(text), (
        f"double superscript (invalid LaTeX) in {text!r}: {double_superscripts(text)}")
    assert "\n" not in text, f"LaTeX spans several lines: {text!r}"


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

def test_parse_error_reports_column(cli):
    proc = cli("expr", "diff", "x +* y", "--wrt", "x", ok=False)
    assert proc.returncode != 0, f"accepted 'x +* y': {proc.stdout!r}"
    err = proc.stderr
    assert err.strip(), "no message on stderr"
    # '*' is at 1-based column 4 (0-based 3)
    assert re.search(r"col(umn)?", err, re.I) and re.search(r"\b[34]\b", err), (
        f"parse error message does not give the column: {err!r}")


def test_unknown_function_is_named(cli):
    proc = cli("expr", "diff", "foo(x) + x", "--wrt", "x", ok=False)
    assert proc.returncode != 0, f"accepted foo(x): {proc.stdout!r}"
    assert "foo" in proc.stderr, (
        f"message does not name the unknown function: {proc.stderr!r}")


@pytest.mark.parametrize("bad", ["sin(x", "x)", "", "x y", "2..5*x"])
def test_other_parse_errors_exit_nonzero(cli, bad):
    proc = cli("expr", "diff", bad, "--wrt", "x", ok=False)
    assert proc.returncode != 0, f"accepted {bad!r}: {proc.stdout!r}"
    assert proc.stderr.strip(), f"no message on stderr for {bad!r}"


def test_unknown_function_in_eval(cli):
    proc = cli("expr", "eval", "foo(x)", "--at", "x=1", ok=False)
    assert proc.returncode != 0
    assert "foo" in proc.stderr, proc.stderr


def test_absent_variable_gives_zero(cli):
    out = cli("expr", "diff", "x^2 + sin(x)", "--wrt", "q").stdout.strip()
    assert out == "0", f"d/dq of an expression without q printed {out!r}"
    out2 = cli("expr", "diff", "x^2*y", "--wrt", "x,q").stdout.strip()
    assert out2 == "0", f"d/dq d/dx printed {out2!r}"
