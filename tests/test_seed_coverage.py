"""Every code example of the seed notebook appears, with the same code, in some lesson, and
the lessons' stored outputs carry the values the seed documents.

The seed (tests/data/seed_custom_derivatives.txt) is a lossy text copy of JAX's "Custom
derivative rules for JAX-transformable Python functions": its code cells survive (without
indentation), marked by `:id:` lines. Lines are compared with whitespace stripped.
"""

import json
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "seed_custom_derivatives.txt"
NOTEBOOKS = ROOT / "notebooks"

# The pdb session is shown as prose (not a code cell) in the seed; its call is an example too.
EXTRA_EXAMPLES = {"pdb-call": ["jax.grad(foo)(3.)"]}


def seed_examples() -> dict[str, list[str]]:
    examples, current, lines = {}, None, []
    for raw in SEED.read_text().splitlines():
        marker = re.match(r":id: (\S+)", raw)
        if marker or raw.startswith("+++"):
            if current and lines:
                examples[current] = lines
            current, lines = (marker.group(1) if marker else None), []
            continue
        if current and not raw.startswith(":outputId:") and raw.strip():
            lines.append(normalize(raw))
    if current and lines:
        examples[current] = lines
    return {**examples, **EXTRA_EXAMPLES}


def normalize(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip()).replace(" #", "  #").replace("  #", " #")


def lesson_cells() -> list[tuple[str, list[str]]]:
    cells = []
    for md in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md")):
        for cell in jupytext.read(md).cells:
            if cell.cell_type == "code":
                lines = [normalize(x) for x in cell.source.splitlines() if x.strip()]
                cells.append((md.stem, lines))
    return cells


def contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def where(example: list[str], cells) -> list[str]:
    return [name for name, lines in cells if contains(lines, example)]


EXAMPLES = seed_examples()
CELLS = lesson_cells()


def test_seed_parses_into_all_its_examples():
    # Counted independently of the parser: one `:id:` line per code cell, plus the extras.
    cells_in_seed = len(re.findall(r"^:id: ", SEED.read_text(), flags=re.M))
    assert cells_in_seed == 78
    assert len(EXAMPLES) == cells_in_seed + len(EXTRA_EXAMPLES), sorted(EXAMPLES)
    assert EXAMPLES["XQt6MAuTJewG"][:2] == ["from jax import custom_jvp", "@custom_jvp"]
    assert sum(len(v) for v in EXAMPLES.values()) == 381  # non-blank code lines


@pytest.mark.parametrize("example_id", sorted(EXAMPLES))
def test_example_is_in_a_lesson(example_id):
    example = EXAMPLES[example_id]
    assert where(example, CELLS), (
        f"seed example {example_id} is in no lesson's code cells:\n  " + "\n  ".join(example)
    )


def test_check_fails_when_an_example_is_missing():
    example = EXAMPLES["sVM6iwIO22sB"]  # print(grad(log1pexp)(100.))
    assert where(example, CELLS)
    altered = [(name, [x for x in lines if x != example[0]]) for name, lines in CELLS]
    assert not where(example, altered)
    one_line_changed = ["print(grad(log1pexp)(101.))"]
    assert not where(one_line_changed, CELLS)


# Documented results: for a seed example, text its stored output must contain.
DOCUMENTED = {
    "RrNf588X_kJF": ["2.7278922", "-1.2484405"],
    "HpSozxKUCXgp": ["-1.2484405"],
    "6lWbTvs40ET-": ["3.0485873"],
    "XgtGKFld02UD": ["3.0485873", "0.95257413", "[0.5       0.7310586 0.8807971]"],
    "sVM6iwIO22sB": ["nan"],
    "rhiMHulfKBIF": ["1.0"],
    "dtdh-PLaUsvw": ["1.0\n3.0485873\n0.95257413"],
    "piI0u5MiHhQh": ["nan"],
    "Gsh9ZvMTKi1O": ["1.0"],
    "uUU5qRmEViK1": ["1.0"],
    "42Ydd7_6aLXU": ["1.4142135"],
    "t_YSXieT3Yyk": ["[1.        1.4142135 1.7320509 2.       ]"],
    "Hmcpjr6gmtkO": ["0.35355338", "-0.088388346"],
    "jj_JnI9Pm4jg": ["0.35355338", "-0.08838835"],
    "fxhlECvW7Krj": ["0.14112\n0.14112\n-0.9899925"],
    "hl9Io86pQD6s": ["-0.9899925", "-0.14112"],
    "QpKwA0oA8DfE": ["12.0"],
    "o9ezUYsjbbvC": ["12.0\n12.0\n4.0"],
    "jOtQfp-5btSo": ["12.0\n12.0\n0.0"],
    "xAlRea95PjA5": ["called f!\n0.14112"],
    "dyD2ow4NmpI-": ["called f!\n[0.         0.84147096 0.9092974 ]\ncalled f!\n0.14112"],
    "hKF0xyAxPyLZ": ["called f_jvp!\ncalled f!\n-0.9899925"],
    "Z1KaEgA58MEG": ["called f_jvp!\ncalled f!\n-0.9899925"],
    "B6PLJooTQgVp": ["called f_jvp!\ncalled f_jvp!\ncalled f!", "Array(-0.14112, dtype=float32"],
    "QCHmJ56Na2G3": ["2.0\n3.0"],
    "E8W-H2S0Ngdr": ["0.14112\n-0.9899925"],
    "EnRtIhhLnkry": ["-1.2484405"],
    "r0aZ79OmOAR5": ["called f!\n0.14112"],
    "7ToB9BYlm6uN": ["called f_fwd!\ncalled f!\ncalled f_bwd!\n-0.9899925"],
    "s1Pn_qCIODcF": ["called f_fwd!\ncalled f!\n0.14112"],
    "dvgQtDHaOHuo": ["called f_bwd!\n(Array(-0.9899925, dtype=float32"],
    "3RGQRbI_OSEX": ["ERROR! can't apply forward-mode autodiff (jvp) to a custom_vjp function."],
    "My8pbOlPppJj": ["{'a': 1.0, 'b': (Array(0.84147096, dtype=float32",
                     "Array(-0.41614684, dtype=float32"],
    "a9qyiCAhqLd3": ["Point(x=Array(2.5403023, dtype=float32", "y=Array(0., dtype=float32"],
    "ryyeKIXtrNpd": ["Point(x=Array(2.5403023, dtype=float32", "y=Array(-0., dtype=float32"],
    "5W-yEw9IB34S": ["27.0"],
    "zbVIlOmqB7_O": ["2.0"],
    "J7GsvJTgCfS0": ["3375.0"],
    "kPP8Jt1CCb1X": ["3.0"],
    "qSgcWa1eDj4r": ["16.0"],
    "tccagflcDmaz": ["5.0"],
    "pdb-call": ["(Pdb) p x\nArray(9., dtype=float32", "(Pdb) p g\nArray(-0.91113025"],
    "4OLU_vf8Xw2J": ["image/png"],
    "iS8nRuBZYLcD": ["image/png"],
}


def stored_outputs() -> list[tuple[list[str], str]]:
    found = []
    for nb_path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(nb_path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            lines = [normalize(x) for x in "".join(cell["source"]).splitlines() if x.strip()]
            text = ""
            for out in cell["outputs"]:
                text += "".join(out.get("text", ""))
                text += "".join(out.get("data", {}).get("text/plain", ""))
                text += " ".join(out.get("data", {}))
            found.append((lines, text))
    return found


OUTPUTS = stored_outputs()


@pytest.mark.parametrize("example_id", sorted(DOCUMENTED))
def test_stored_output_has_documented_values(example_id):
    example = EXAMPLES[example_id]
    texts = [text for lines, text in OUTPUTS if contains(lines, example)]
    assert texts, f"{example_id} is in no executed lesson cell"
    for expected in DOCUMENTED[example_id]:
        assert any(expected in t for t in texts), (
            f"seed example {example_id}: no stored output contains {expected!r}; got {texts}"
        )
