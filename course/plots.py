"""Gradient plots. Each function returns a matplotlib Figure and never calls plt.show()."""

from __future__ import annotations

import base64
import functools
import html
import io
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .display import first_line

NONFINITE_COLOR = "#e03131"
BUILTIN_CURVES = ("autodiff", "finite differences", "reference")


def central_differences(fn: Callable, xs: np.ndarray) -> np.ndarray:
    """(f(x + h) - f(x - h)) / 2h in float64 NumPy arithmetic on `fn`'s outputs, with a step
    scaled to each x; an independent check that shares no code with autodiff."""
    xs = np.asarray(xs, dtype=np.float32)
    h = np.float32(1e-2) * np.maximum(1.0, np.abs(xs)).astype(np.float32)
    up, down = xs + h, xs - h  # the float32 points really evaluated
    hi = np.asarray(jax.vmap(fn)(jnp.asarray(up)), dtype=np.float64)
    lo = np.asarray(jax.vmap(fn)(jnp.asarray(down)), dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return (hi - lo) / (up.astype(np.float64) - down.astype(np.float64))


def plot_grad(
    fn: Callable,
    xs,
    *,
    rules: Mapping[str, Callable] | Sequence[Callable] | None = None,
    reference: Callable | None = None,
    finite_differences: bool = True,
    title: str | None = None,
):
    """As `jax.vmap(jax.grad(fn))(xs)`, plotted: `fn` on top, its derivatives below.

    The derivative panel shows plain autodiff of `fn`, the autodiff of each function in
    `rules` (e.g. a `custom_jvp` version of `fn`; a dict names the curves, a list names them
    after the functions), central finite differences as an independent check, and
    `reference`, an analytic derivative, if given. Wherever a derivative is inf or
    nan, red marks along the bottom of the panel say so: nothing is silently dropped.

    >>> import course, jax.numpy as jnp
    >>> fig = course.plot_grad(jnp.tanh, jnp.linspace(-3.0, 3.0, 7))
    >>> [line.get_label() for line in fig.axes[1].lines]
    ['autodiff', 'finite differences']
    """
    fn, xs, rules = _check_inputs(fn, xs, rules, reference)
    curves = {"autodiff": _derivative(fn, xs, "fn")}
    for name, rule in rules.items():
        curves[name] = _derivative(rule, xs, name)
    if finite_differences:
        curves["finite differences"] = central_differences(fn, xs)
    if reference is not None:
        curves["reference"] = np.asarray(jax.vmap(reference)(jnp.asarray(xs)), dtype=np.float64)

    fig = _figure_class()(figsize=(7, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
    top.plot(xs, np.asarray(jax.vmap(fn)(jnp.asarray(xs))), color="black", label="f(x)")
    top.set_ylabel("f(x)")
    top.set_title(title or f"{getattr(fn, '__name__', 'f')} and its derivative")
    styles = {"finite differences": dict(ls="none", marker=".", ms=3, color="#868e96"),
              "reference": dict(ls=":", lw=2, color="black")}
    colors = {}
    for i, (name, ys) in enumerate(curves.items()):
        style = styles.get(name, dict(lw=2.2 - 0.5 * min(i, 2), color=f"C{i}"))
        (line,) = bottom.plot(xs, np.where(np.isfinite(ys), ys, np.nan), label=name, **style)
        colors[name] = line.get_color()
    _mark_nonfinite(bottom, xs, curves, colors)
    bottom.set_xlabel("x")
    bottom.set_ylabel("df/dx")
    bottom.legend(fontsize=8, loc="best")
    fig.curves = curves  # the plotted data, for tests and for the curious
    fig.alt = _describe(top.get_title(), xs, curves)
    return fig


def _describe(title: str, xs: np.ndarray, curves: dict) -> str:
    """plot_grad's text alternative: what is drawn, over which x, and where each derivative is
    inf or nan, stretch by stretch (the legend's words, as the red marks say them)."""
    xs = np.asarray(xs, dtype=np.float64)
    order = np.argsort(xs, kind="stable")
    steps = np.diff(xs[order])
    step = steps[steps > 0].min() if (steps > 0).any() else 1.0
    decimals = max(0, 1 - int(np.floor(np.log10(step))))  # two digits of the grid's step

    def x(value) -> str:  # -9.40, not -9.400002 (float32 noise) nor 1e+06
        return np.format_float_positional(value, precision=decimals, unique=False,
                                          fractional=True, trim="-")

    bad = [f"{name}: inf/nan at {(~np.isfinite(ys)).sum()} of {ys.size} points, "
           f"{_stretches(xs[order], ~np.isfinite(ys[order]), x)}"
           for name, ys in curves.items() if not np.isfinite(ys).all()]
    return (f"{title}, for x from {x(xs.min())} to {x(xs.max())}. Top: f(x). Bottom: df/dx by "
            f"{', '.join(curves)}. " + ("; ".join(bad) if bad else "Every derivative is finite")
            + ".")


def _stretches(xs: np.ndarray, bad: np.ndarray, x: Callable, most: int = 3) -> str:
    """Where `bad` holds along the sorted `xs`, as runs of neighbouring points: "from x = -2 to
    -1 and from x = 1 to 2" (the first `most`, then how many more)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], bad.astype(np.int8), [0]])))
    runs = [(xs[start], xs[stop - 1]) for start, stop in zip(edges[::2], edges[1::2])]
    said = [f"at x = {x(lo)}" if lo == hi else f"from x = {x(lo)} to {x(hi)}"
            for lo, hi in runs[:most]]
    more = f" and {len(runs) - most} more stretches" if len(runs) > most else ""
    return " and ".join(said) + more


@functools.cache
def _figure_class():
    """A matplotlib Figure that displays itself in Jupyter without pyplot (no global state)."""
    # Lazy: matplotlib takes about 0.3 s to import, and `import course` should not pay it.
    from matplotlib.figure import Figure

    class CourseFigure(Figure):
        alt = "a matplotlib figure"  # its text alternative, set by whoever draws it

        def png(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=90)
            return buffer.getvalue()

        def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
            """An <img> with the text alternative: JupyterLab shows an image/png output with
            no alt text at all, so the PNG goes in HTML (and the text stays as text/plain).
            No _repr_png_: IPython would store the same pixels a second time."""
            data = base64.b64encode(self.png()).decode("ascii")
            return {"text/html": f'<img alt="{html.escape(self.alt)}" '
                                 f'src="data:image/png;base64,{data}">',
                    "text/plain": f"<figure: {self.alt}>"}

        def _ipython_display_(self) -> None:
            """Only that bundle: once pyplot is imported, matplotlib's inline backend gives
            every Figure an image/png formatter, which would store the pixels a second time."""
            from IPython.display import display  # lazy: only where IPython shows it

            display(self._repr_mimebundle_(), raw=True)

    return CourseFigure


def figure(*, alt: str, **kwargs):
    """A matplotlib Figure (no pyplot, no global state) that shows itself in a notebook as an
    image whose text alternative is `alt`, for screen readers and wherever images do not load.
    `kwargs` go to `matplotlib.figure.Figure` (e.g. `figsize=(7, 3.5)`).

    >>> import course
    >>> fig = course.figure(alt="a straight line", figsize=(3, 2))
    >>> _ = fig.subplots().plot([0, 1])
    >>> fig._repr_mimebundle_()["text/html"].startswith('<img alt="a straight line" src="data:')
    True
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("figure: alt should say in words what the figure shows, e.g. "
                         "alt=\"the derivative of log1pexp for x from -30 to 0, on a log scale\".")
    fig = _figure_class()(**kwargs)
    fig.alt = alt
    return fig


def _mark_nonfinite(ax, xs, curves, colors) -> None:
    """A red band where any derivative is inf/nan, and a row of ticks per affected curve."""
    ymin, ymax = ax.get_ylim()
    anybad = np.zeros(xs.shape, bool)
    row = 0
    for name, ys in curves.items():
        bad = ~np.isfinite(ys)
        if bad.any():
            anybad |= bad
            y = ymin + (row + 0.5) * (ymax - ymin) * 0.07
            ax.plot(xs[bad], np.full(bad.sum(), y), "x", color=colors[name], ms=4,
                    label=f"{name}: inf/nan at {bad.sum()} of {bad.size} points")
            row += 1
    if anybad.any():
        ax.fill_between(xs, 0, 1, where=anybad, transform=ax.get_xaxis_transform(),
                        color=NONFINITE_COLOR, alpha=0.12, lw=0)
    ax.set_ylim(ymin, ymax)


def _derivative(fn, xs, name) -> np.ndarray:
    try:
        return np.asarray(jax.vmap(jax.grad(fn))(jnp.asarray(xs)), dtype=np.float64)
    except Exception as e:  # a learner's rule: say which one failed, and why
        raise ValueError(f"plot_grad: differentiating {name!r} failed: "
                         f"{type(e).__name__}: {first_line(e)}") from None


def _check_inputs(fn, xs, rules, reference):
    if not callable(fn):
        raise TypeError(f"plot_grad: expects a function of one scalar, got {type(fn).__name__}.")
    xs = np.asarray(xs, dtype=np.float32)
    if xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"plot_grad: expects xs as a 1-D array of at least 2 points, got shape "
                         f"{xs.shape}. Try jnp.linspace(-5., 5., 200).")
    rules = _named_rules(rules)
    for name, rule in rules.items():
        if not callable(rule):
            raise TypeError(f"plot_grad: rules[{name!r}] should be a function, got "
                            f"{type(rule).__name__}.")
    if reference is not None and not callable(reference):
        raise TypeError(f"plot_grad: reference should be a function, got "
                        f"{type(reference).__name__}.")
    try:
        out = jax.eval_shape(fn, jax.ShapeDtypeStruct((), jnp.float32))
    except Exception as e:  # the learner's function: say that it failed, and why, in one line
        raise ValueError(f"plot_grad: fn failed on a float32 scalar: "
                         f"{type(e).__name__}: {first_line(e)}") from None
    if getattr(out, "shape", None) != ():
        raise ValueError(f"plot_grad: expects fn to map a scalar to a scalar, but fn(x) has "
                         f"shape {getattr(out, 'shape', out)}.")
    return fn, xs, rules


def _named_rules(rules) -> dict[str, Callable]:
    """One curve per rule: a list names each by its function's name, made unique ("rule 2" for
    the second lambda, "f (rule 2)" for a second `f`), so that no curve is silently dropped."""
    if rules is None:
        return {}
    if isinstance(rules, Mapping):
        taken = [name for name in rules if name in BUILTIN_CURVES]
        if taken:
            raise ValueError(f"plot_grad: the name {taken[0]!r} in rules is taken by plot_grad's "
                             f"own curve; pick another, e.g. rules={{'my rule': ...}}.")
        return dict(rules)
    if callable(rules):  # a single rule, passed without a list
        rules = [rules]
    named = {}
    for i, rule in enumerate(rules, start=1):
        name = getattr(rule, "__name__", "<lambda>")
        if name == "<lambda>" or not isinstance(name, str):
            name = f"rule {i}"
        elif name in named or name in BUILTIN_CURVES:
            name = f"{name} (rule {i})"
        named[name] = rule
    return named
