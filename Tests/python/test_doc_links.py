"""Every relative link in the README, Benchmarks/README.md and under docs/ points at a file that exists and,
where it names an anchor, at a heading that file has. The results pages under docs/results/ and the README link
each other by anchor; a heading renamed on one side would otherwise leave a dead link that nothing reports."""
import pathlib
import re
import unicodedata

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "Benchmarks" / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, '-' and '_' kept, in any
    script), spaces to '-'; inline code and emphasis markers go with the punctuation."""
    out = []
    for ch in heading.strip().lower():
        if ch == " ":
            out.append("-")
        elif ch in "-_" or unicodedata.category(ch)[0] in "LN":
            out.append(ch)
    return "".join(out)


def anchors(page: pathlib.Path) -> set:
    text = FENCE.sub("", page.read_text())
    seen, result = {}, set()
    for line in text.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(page: pathlib.Path):
    text = FENCE.sub("", page.read_text())
    for m in LINK.finditer(text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        yield target


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    dead = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            dead.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            dead.append(f"{target}: no heading with anchor #{anchor} in {dest.relative_to(ROOT)}")
    assert not dead, f"dead links in {page.relative_to(ROOT)}:\n" + "\n".join(dead)


def test_slug_matches_github():
    # GitHub's rule (github-slugger) on this repository's headings: apostrophes, colons, parentheses, commas,
    # backticks and the en dash go; Greek letters stay.
    assert slug("DDPG and SAC with STAC's couplings (STDDPG, STSAC)") == "ddpg-and-sac-with-stacs-couplings-stddpg-stsac"
    assert slug("Game diagnostics of training runs: `stackelberg diagnose`") == \
        "game-diagnostics-of-training-runs-stackelberg-diagnose"
    assert slug("HalfCheetah and Hopper: DDPG and SAC in three couplings (Fig. 3e–l)") == \
        "halfcheetah-and-hopper-ddpg-and-sac-in-three-couplings-fig-3el"
    assert slug("λ held at 500 (STSAC-AL, HalfCheetah, seed 0)") == "λ-held-at-500-stsac-al-halfcheetah-seed-0"
