"""`stackelberg diagnose` the way a user runs it: synthetic run directories with the game-diagnostic
columns of `updates.csv`, the report's verdicts, the rendered figures, and the refusals (a run trained
without diagnostics, an --out that is a file). Run with STACKELBERG_BIN pointing at a built binary.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from conftest import assert_gnuplot_png

FIGURES = ["gradient_vs_total_derivative", "jacobian_spectrum", "parameter_path", "best_response_gap"]


def write_run(directory: Path, coupling: str, seed: int, rotating: bool, steps: int = 40, diagnostics: bool = True,
              stackelberg_spectrum: bool = False, lam: float = 500) -> Path:
    """stackelberg_spectrum: also the columns of diagnostics.stackelberg_spectrum = true, a regularized Stackelberg
    field whose eig1 is 2 + 0.04i (|Im|/|Re| 0.02) in three diagnostics of four and 2 + 0.6i (0.3) in the fourth."""
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text(
        f"# stackelberg train, resolved settings\n# seed = {seed}\n# commit = 1234abc\n\n"
        f'algo = "sac"\ncoupling = "{coupling}"\nenv = "pendulum"\ntotal_steps = {steps * 1000}\n'
        + (f"diagnostics.lambda = {lam}\n" if diagnostics else ""))
    (directory / "episodes.csv").write_text("env_step,copy,return,length\n1000,0,-500,200\n")
    (directory / "eval.csv").write_text("env_step,mean_return,returns\n1000,-400,-400\n")
    r = 6
    cols = ["game_leader_gradient_norm", "game_total_derivative_norm", "game_correction_norm", "game_total_derivative_cosine",
            "game_lambda", "game_follower_gradient_norm", "game_follower_loss", "game_follower_loss_drop", "game_hessian_max",
            "game_hessian_min", "game_hessian_condition", "game_hessian_indefinite", "game_rotation", "game_rotation_max"]
    cols += [f"game_eig{k}_{p}" for k in range(1, 5) for p in ("re", "im")]
    cols += [f"game_{p}_{k}" for p in ("path", "field", "stackelberg_field") for k in range(1, r + 1)]
    if stackelberg_spectrum:
        cols += [f"game_stackelberg_eig{k}_{p}" for k in range(1, 3) for p in ("re", "im")]
        cols += ["game_stackelberg_rotation", "game_stackelberg_rotation_max"]
    rows = []
    for t in range(steps):
        angle = 0.3 * t
        path = [math.cos(angle) * math.exp(-t / 20), math.sin(angle) * math.exp(-t / 20)] if rotating else [t, 0.5 * t]
        path += [0.01 * math.sin(2 * t)] + [0.0] * (r - 3)
        field = [-math.sin(angle), math.cos(angle)] + [0.0] * (r - 2) if rotating else [1.0, 0.5] + [0.0] * (r - 2)
        im = 0.9 if rotating else 0.02
        v = {"game_leader_gradient_norm": 1.0, "game_total_derivative_norm": 0.8, "game_correction_norm": 0.3,
             "game_total_derivative_cosine": 0.93, "game_lambda": lam, "game_follower_gradient_norm": 0.1,
             "game_follower_loss": 4.0, "game_follower_loss_drop": 0.012, "game_hessian_max": 30.0,
             "game_hessian_min": -0.5 if t % 5 else 0.2, "game_hessian_condition": 150.0 if t % 5 == 0 else math.nan,
             "game_hessian_indefinite": 1.0 if t % 5 else 0.0, "game_rotation": im, "game_rotation_max": im,
             "game_eig1_re": 1.0, "game_eig1_im": im, "game_eig2_re": 1.0, "game_eig2_im": -im,
             "game_eig3_re": 0.3, "game_eig3_im": 0.0, "game_eig4_re": 0.1, "game_eig4_im": 0.0}
        for k in range(r):
            v[f"game_path_{k + 1}"] = path[k]
            v[f"game_field_{k + 1}"] = field[k]
            v[f"game_stackelberg_field_{k + 1}"] = -path[k] if rotating else field[k]
        s_im = 0.6 if t % 4 == 0 else 0.04
        v |= {"game_stackelberg_eig1_re": 2.0, "game_stackelberg_eig1_im": s_im, "game_stackelberg_eig2_re": 0.5,
              "game_stackelberg_eig2_im": 0.0, "game_stackelberg_rotation": s_im / 2, "game_stackelberg_rotation_max": s_im / 2}
        rows.append(v)
    header = ["env_step", "updates", "leader_loss"] + (cols if diagnostics else [])
    lines = [",".join(header)]
    for t, v in enumerate(rows):
        values = [str((t + 1) * 1000), str(t + 1), "0.1"] + ([repr(v[c]) for c in cols] if diagnostics else [])
        lines.append(",".join(values))
        if diagnostics and t == 5:  # a window without a diagnostic
            lines.append(",".join([str((t + 1) * 1000 + 500), str(t + 1), "0.1"] + ["nan"] * len(cols)))
    (directory / "updates.csv").write_text("\n".join(lines) + "\n")
    return directory


def test_diagnose_writes_the_report_and_renders_every_figure(cli, tmp_path):
    runs = tmp_path / "runs"
    write_run(runs / "pendulum" / "sac-individual" / "seed0", "individual", 0, rotating=True)
    write_run(runs / "pendulum" / "sac-individual" / "seed1", "individual", 1, rotating=True)
    write_run(runs / "pendulum" / "sac-actor-leader" / "seed0", "actor-leader", 0, rotating=False)
    out = tmp_path / "out"
    p = cli("diagnose", str(runs), "--out", str(out))
    text = (out / "report.txt").read_text()
    assert p.stdout.rstrip("\n") == text.rstrip("\n")
    assert "sac-individual (seeds 0, 1; 80 diagnostics, one per logged row)" in text
    assert "the individual-play field (∇₁f₁, ∇₂f₂) rotates: median |Im|/|Re| = 0.9 (eig1), 100% of diagnostics with |Im|/|Re| > 0.1" in text
    assert "hardly rotates: median |Im|/|Re| = 0.02 (eig1)" in text
    assert "follower near its best response: median loss drop 0.3% of f₂ (relative" in text
    assert "follower Hessian indefinite in 80% of diagnostics" in text
    assert ("total derivative Df₁ of the regularized Stackelberg field (λ = 500) turns the leader's step: "
            "median cos(∇₁f₁, Df₁) = 0.93") in text
    assert "λmin < −1e-4·|λmax|" in text
    assert "turns around its final point" in text or "times around its final point" in text
    assert "parameter path spirals" in text and "parameter path goes straight" in text
    assert "seed 1, commit 1234abc" in text
    assert "Provenance: stackelberg" in text
    assert "regularized Stackelberg field (λ = 500) rotates" not in text and "hardly rotates: median |Im|/|Re| = 0.02" in text
    assert "regularized Stackelberg field (λ = 500) hardly" not in text and "stackelberg_spectrum" not in text
    report = json.loads((out / "report.json").read_text())
    assert [g["name"] for g in report["groups"]] == ["sac-actor-leader", "sac-individual"]
    individual = report["groups"][1]
    assert individual["summary"]["rotationMedian"] == 0.9
    assert abs(individual["summary"]["relativeLossDropMedian"] - 0.003) < 1e-12
    assert report["thresholds"]["rotation"] == 0.1
    assert not any(k.startswith("stackelbergRotat") for g in report["groups"] + report["runs"] for k in g["summary"])
    # The explained variance of the straight path: recompute the PCA with NumPy from the CSV.
    straight = next(r for r in report["runs"] if r["coupling"] == "actor-leader")
    data = np.genfromtxt(runs / "pendulum" / "sac-actor-leader" / "seed0" / "updates.csv", delimiter=",", names=True)
    path = np.stack([data[f"game_path_{k}"] for k in range(1, 7)], axis=1)
    path = path[np.isfinite(path).all(axis=1)]
    eig = np.sort(np.linalg.eigvalsh(np.cov(path.T, bias=True)))[::-1]
    assert abs(straight["path"]["explainedVariance"] - eig[:2].sum() / eig.sum()) < 1e-9
    assert straight["path"]["points"] == 40
    for name in FIGURES:
        assert (out / f"{name}.gp").is_file() and (out / f"{name}.dat").is_file()
        assert_gnuplot_png(out / f"{name}.png")


def test_diagnose_judges_the_regularized_stackelberg_field_where_its_spectrum_was_logged(cli, tmp_path):
    """A group whose individual field rotates but whose regularized Stackelberg field hardly does, beside a group
    without the columns (no key, no verdict), and the report's numbers against the CSV's."""
    runs = tmp_path / "runs"
    for seed in (0, 1):
        write_run(runs / "sac-actor-leader" / f"seed{seed}", "actor-leader", seed, rotating=True, stackelberg_spectrum=True)
    write_run(runs / "sac-individual" / "seed0", "individual", 0, rotating=True)
    out = tmp_path / "out"
    cli("diagnose", str(runs), "--out", str(out))
    text = (out / "report.txt").read_text()
    assert ("the regularized Stackelberg field (λ = 500) hardly rotates: median |Im|/|Re| = 0.02 (eig1), 25% of diagnostics above 0.1; "
            "largest |Im|/|Re| over the leading eigenvalues: median 0.02") in text, text
    assert "the individual-play field (∇₁f₁, ∇₂f₂) rotates: median |Im|/|Re| = 0.9 (eig1)" in text
    assert "median |Im|/|Re| of eig1, regularized Stackelberg field (λ = 500): sac-actor-leader 0.02; sac-individual n/a (not logged)" in text, text
    report = json.loads((out / "report.json").read_text())
    groups = {g["name"]: g for g in report["groups"]}
    leader, individual = groups["sac-actor-leader"], groups["sac-individual"]
    ratios = []
    for seed in (0, 1):
        data = np.genfromtxt(runs / "sac-actor-leader" / f"seed{seed}" / "updates.csv", delimiter=",", names=True)
        ratio = np.abs(data["game_stackelberg_eig1_im"]) / np.abs(data["game_stackelberg_eig1_re"])
        ratios += list(ratio[np.isfinite(ratio)])
    assert math.isclose(leader["summary"]["stackelbergRotationMedian"], float(np.median(ratios)), rel_tol=1e-12)
    assert math.isclose(leader["summary"]["stackelbergRotatingFraction"], float(np.mean(np.array(ratios) > 0.1)), rel_tol=1e-12)
    assert leader["summary"]["rotationMedian"] == 0.9
    verdict = {v["key"]: v for v in leader["verdicts"]}["stackelberg_rotation"]
    assert math.isclose(verdict["value"], 0.02, rel_tol=1e-12) and verdict["text"].startswith("the regularized Stackelberg field (λ = 500) hardly rotates")
    for key in ("stackelbergRotationMedian", "stackelbergRotationMaxMedian", "stackelbergRotatingFraction"):
        assert individual["summary"].get(key) is None, key
    assert "stackelberg_rotation" not in {v["key"] for v in individual["verdicts"]}
    gp = (out / "jacobian_spectrum.gp").read_text()
    assert 'title "individual: eig1"' in gp and 'title "regularized Stackelberg (λ = 500): eig1"' in gp, gp
    assert_gnuplot_png(out / "jacobian_spectrum.png")


def test_diagnose_svg_and_the_default_output_directory(cli, tmp_path):
    run = write_run(tmp_path / "seed4", "actor-leader", 4, rotating=False)
    cli("diagnose", str(run), "--format", "svg")
    for name in FIGURES:
        assert (run / "diagnosis" / f"{name}.svg").stat().st_size > 5_000
    assert "seed 4, commit 1234abc" in (run / "diagnosis" / "report.txt").read_text()


def test_scripts_written_without_rendering_render_the_format_asked_for(cli, tmp_path):
    """--no-render --format svg wrote scripts that rendered PNG when run by hand (`gnuplot NAME.gp`)."""
    run = write_run(tmp_path / "seed0", "actor-leader", 0, rotating=False)
    out = tmp_path / "out"
    cli("diagnose", str(run), "--no-render", "--format", "svg", "--out", str(out))
    for name in FIGURES:
        script = (out / f"{name}.gp").read_text()
        assert 'if (!exists("fmt")) fmt = "svg"' in script and f"# Render: gnuplot {name}.gp            (SVG)" in script, script[:400]
        assert not list(out.glob(f"{name}.png")) and not list(out.glob(f"{name}.svg"))
    if shutil.which("gnuplot"):
        subprocess.run(["gnuplot", f"{FIGURES[0]}.gp"], cwd=out, check=True, capture_output=True)
        assert (out / f"{FIGURES[0]}.svg").stat().st_size > 5_000 and not (out / f"{FIGURES[0]}.png").exists()
        # From another directory the script finds its data and writes beside itself (it read ./NAME.dat and
        # wrote an empty figure into the working directory).
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        p = subprocess.run(["gnuplot", f"../out/{FIGURES[1]}.gp"], cwd=elsewhere, capture_output=True, text=True)
        assert p.returncode == 0 and "warning" not in p.stderr.lower(), p.stderr
        assert (out / f"{FIGURES[1]}.svg").stat().st_size > 5_000 and not list(elsewhere.iterdir())
    # The default stays PNG.
    cli("diagnose", str(run), "--no-render", "--out", str(tmp_path / "png"))
    assert 'if (!exists("fmt")) fmt = "png"' in (tmp_path / "png" / f"{FIGURES[0]}.gp").read_text()


def test_a_run_without_diagnostics_is_refused_with_the_fix(cli, tmp_path):
    run = write_run(tmp_path / "plain" / "seed0", "actor-leader", 0, rotating=False, diagnostics=False)
    out = tmp_path / "out"
    p = cli("diagnose", str(run), "--out", str(out), ok=False)
    assert p.returncode != 0
    assert f"{run} has no game diagnostics (no game_* column in its updates.csv): train it with --set diagnostics.enabled=true" in p.stderr, p.stderr
    assert not out.exists()


def test_out_that_is_a_file_is_refused_by_name(cli, tmp_path):
    run = write_run(tmp_path / "seed0", "actor-leader", 0, rotating=False)
    target = tmp_path / "afile"
    target.write_text("not a directory")
    p = cli("diagnose", str(run), "--out", str(target), ok=False)
    assert p.returncode != 0
    assert f"--out '{target}' is a file, not a directory: give a directory (it is created if missing) or move the file away" in p.stderr, p.stderr
    assert target.read_text() == "not a directory"


def test_bad_format_is_refused(cli, tmp_path):
    run = write_run(tmp_path / "seed0", "actor-leader", 0, rotating=False)
    p = cli("diagnose", str(run), "--format", "jpg", ok=False)
    assert p.returncode != 0 and "--format must be png or svg, got jpg" in p.stderr


def test_a_run_stopped_before_its_first_row_is_told_to_train_further(cli, tmp_path):
    run = write_run(tmp_path / "early" / "seed0", "critic-leader", 0, rotating=False)
    config = run / "config.toml"
    config.write_text(config.read_text() + "diagnostics.enabled = true\n")
    (run / "updates.csv").write_text("")  # killed before its first log row
    p = cli("diagnose", str(run), "--out", str(tmp_path / "out"), ok=False)
    assert p.returncode != 0
    assert (f"{run} has diagnostics enabled (diagnostics.enabled = true in its config.toml) but its updates.csv is empty "
            "yet (the run stopped before its first log row); train it further") in p.stderr, p.stderr
    assert "--set diagnostics.enabled=true" not in p.stderr
    # A finished run cannot be resumed: it was told to train further.
    (run / "updates.csv").write_text("env_step,updates,leader_loss\n")
    (run / "summary.json").write_text('{"env_steps": 40000}')
    p = cli("diagnose", str(run), "--out", str(tmp_path / "out"), ok=False)
    assert p.returncode == 1 and "train it further" not in p.stderr, p.stderr
    assert (f"{run} has diagnostics enabled (diagnostics.enabled = true in its config.toml) but its updates.csv has no row, "
            "though the run has finished (summary.json): it ended before its first log row, or the log was emptied since; "
            "restore the log, or train a new run with more steps") in p.stderr, p.stderr


def test_the_report_records_the_commit_the_binary_was_built_from(cli, tmp_path):
    """Not the git repository of the current directory: run from inside an unrelated one."""
    run = write_run(tmp_path / "seed0", "actor-leader", 0, rotating=False)
    repo = tmp_path / "elsewhere"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    try:
        subprocess.run(git[:3] + ["init", "-q"], check=True, capture_output=True)
        (repo / "f").write_text("x")
        subprocess.run(git + ["add", "f"], check=True, capture_output=True)
        subprocess.run(git + ["commit", "-q", "-m", "unrelated"], check=True, capture_output=True)
        foreign = subprocess.run(git[:3] + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        foreign = None
    out = tmp_path / "out"
    cli("diagnose", str(run), "--out", str(out), cwd=repo)
    commit = json.loads((out / "report.json").read_text())["provenance"]["commit"]
    # The BuildInfo plugin embeds the full hash (with +dirty), or "unknown" outside a checkout.
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown", commit), commit
    if foreign:
        assert not foreign.startswith(commit.split("+")[0][:7]), (commit, foreign)
    assert f"Provenance: stackelberg 0.1.0, commit {commit}," in (out / "report.txt").read_text()


def test_a_damaged_log_is_refused_not_read_in_part(cli, tmp_path):
    """A finished run's updates.csv cut off mid-row, or with a cell that is not a number, was read without a word,
    its verdicts given on the rows that did read."""
    d = write_run(tmp_path / "runs" / "seed0", "actor-leader", 0, rotating=True)
    (d / "summary.json").write_text('{"env_steps": 40000}')
    good = (d / "updates.csv").read_text()
    for damaged, said in [(good[:-40], "line 42 does not read as a log row: it is cut off"),
                          (good.replace(",0.93,", ",abc,", 1), "line 2 does not read as a log row: its "),
                          # diagnose alone trimmed blanks around a cell; it now reads cells as windows and compare do
                          (good.replace(",0.93,", ", 0.93,", 1), "line 2 does not read as a log row: its ")]:
        (d / "updates.csv").write_text(damaged)
        p = cli("diagnose", str(d), "--no-render", "--out", str(tmp_path / "out"), ok=False)
        assert p.returncode == 1 and said in p.stderr and "the log is damaged" in p.stderr, p.stderr
    # A lost eigenvalue or sketch column shifted the series after it (eig2's parts drawn as eig1's), exit 0;
    # a repeated row counted its diagnostic twice, in diagnose and in windows.
    lines = good.splitlines()
    def without(column):
        k = lines[0].split(",").index(column)
        return "\n".join(",".join(c for i, c in enumerate(l.split(",")) if i != k) for l in lines) + "\n"
    for damaged, said in [(without("game_eig1_im"), "has game_eig1_re but not game_eig1_im"),
                          (without("game_eig2_re"), "has game_eig2_im but not game_eig2_re"),
                          (without("game_path_2"), "has game_path_6 but not game_path_2"),
                          (without("game_stackelberg_field_3"), "has game_stackelberg_field_6 but not game_stackelberg_field_3"),
                          ("\n".join(lines[:3] + [lines[2]] + lines[3:]) + "\n", "line 4 has env_step 2000, which repeats the previous row's step")]:
        (d / "updates.csv").write_text(damaged)
        for command in (["diagnose", str(d), "--no-render", "--out", str(tmp_path / "out")], ["windows", str(d)]):
            if command[0] == "windows" and "repeats" not in said:
                continue
            p = cli(*command, ok=False)
            assert p.returncode == 1 and said in p.stderr, (command[0], p.stderr)


def test_a_summary_that_disagrees_with_the_config_is_refused(cli, tmp_path):
    """diagnose read summary.json's env_steps without checking it (compare and windows refused it): a summary that does
    not read or whose steps disagree with config.toml's bounded the log rows it kept."""
    d = write_run(tmp_path / "runs" / "seed0", "actor-leader", 0, rotating=True)
    for summary, said in [('{"env_steps": 30000}', "summary.json has env_steps 30000, where config.toml's total_steps = 40000 trains 40000"),
                          ("{not json", "summary.json does not read as a JSON object")]:
        (d / "summary.json").write_text(summary)
        p = cli("diagnose", str(d), "--no-render", "--out", str(tmp_path / "out"), ok=False)
        assert p.returncode == 1 and said in p.stderr, p.stderr
    (d / "summary.json").write_text('{"env_steps": 40000}')
    cli("diagnose", str(d), "--no-render", "--out", str(tmp_path / "out"))


def test_runs_are_pooled_only_where_they_are_one_setup(cli, tmp_path):
    """Runs diagnosed at different diagnostics.lambda were pooled and reported at a λ neither used; two copies of one
    seed pooled as two seeds without a word; a coupling misspelt in an edited config made a group of its own (windows
    refused it)."""
    import shutil
    a = write_run(tmp_path / "runs" / "a" / "seed0", "actor-leader", 0, rotating=True, stackelberg_spectrum=True, lam=0.04)
    b = write_run(tmp_path / "runs" / "b" / "seed1", "actor-leader", 1, rotating=True, stackelberg_spectrum=True, lam=0.5)
    p = cli("diagnose", str(tmp_path / "runs"), "--no-render", "--out", str(tmp_path / "out"))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    groups = sorted(g["name"] for g in report["groups"])
    assert groups == ["sac-actor-leader [diagnostics.lambda=0.04]", "sac-actor-leader [diagnostics.lambda=0.5]"], groups
    # A diagnostics.lambda edited after the run (the log's game_lambda says the λ the run used) would move it to
    # another group, labelled with a λ it was not diagnosed at.
    config = (a / "config.toml").read_text()
    (a / "config.toml").write_text(config.replace("diagnostics.lambda = 0.04", "diagnostics.lambda = 0.5"))
    p = cli("diagnose", str(a), "--no-render", "--out", str(tmp_path / "edited"), ok=False)
    assert p.returncode == 1 and (f"{a}/config.toml has diagnostics.lambda = 0.5, but its updates.csv says the run's diagnostics "
                                  "used λ = 0.04 (game_lambda): the config was changed after the run") in p.stderr, p.stderr
    (a / "config.toml").write_text(config.replace("diagnostics.lambda = 0.04\n", ""))  # unset: the default, 0.1
    p = cli("diagnose", str(a), "--no-render", "--out", str(tmp_path / "edited"), ok=False)
    assert p.returncode == 1 and "has diagnostics.lambda = unset (0.1), but" in p.stderr, p.stderr
    # A value train never writes was passed over (and printed into the report); a table was called unset.
    for value, said in (('"0.04"', 'diagnostics.lambda = "0.04", not a number'), ("true", "diagnostics.lambda = true, not a number"),
                        ("{ x = 1 }", "diagnostics.lambda = a table, not a number")):
        (a / "config.toml").write_text(config.replace("diagnostics.lambda = 0.04", f"diagnostics.lambda = {value}"))
        p = cli("diagnose", str(a), "--no-render", "--out", str(tmp_path / "edited"), ok=False)
        assert p.returncode == 1 and said in p.stderr and "changed after the run" in p.stderr, (value, p.stderr)
    (a / "config.toml").write_text(config)
    # Only the first diagnostic's λ was checked: a log holding two is damaged.
    updates = (a / "updates.csv").read_text()
    lines = updates.split("\n")
    k = lines[0].split(",").index("game_lambda")
    edited = [lines[0]] + [",".join(c if j != k or i < 3 or c == "nan" else "0.05" for j, c in enumerate(l.split(","))) if l else l
                           for i, l in enumerate(lines[1:])]
    (a / "updates.csv").write_text("\n".join(edited))
    p = cli("diagnose", str(a), "--no-render", "--out", str(tmp_path / "edited"), ok=False)
    assert p.returncode == 1 and "records more than one λ in game_lambda (0.04, 0.05)" in p.stderr, p.stderr
    (a / "updates.csv").write_text(updates)
    (a / "config.toml").write_text(config)
    shutil.copytree(a, tmp_path / "runs" / "copy" / "seed0")
    p = cli("diagnose", str(tmp_path / "runs" / "a"), str(tmp_path / "runs" / "copy"), "--no-render", "--out", str(tmp_path / "out2"))
    assert "has seed 0 in 2 directories" in p.stderr and "leave all but one out" in p.stderr, p.stderr
    c = write_run(tmp_path / "typo" / "seed0", "actor-leader", 0, rotating=True)
    (c / "config.toml").write_text((c / "config.toml").read_text().replace('coupling = "actor-leader"', 'coupling = "actor_leader"'))
    p = cli("diagnose", str(c), "--no-render", "--out", str(tmp_path / "out3"), ok=False)
    assert p.returncode == 1 and 'names the coupling "actor_leader", which `stackelberg train` does not have' in p.stderr, p.stderr
    (c / "config.toml").write_text((c / "config.toml").read_text().replace('coupling = "actor_leader"', 'coupling = "scorer"'))
    for command in (["diagnose", str(c), "--no-render", "--out", str(tmp_path / "out3")], ["windows", str(c)]):
        p = cli(*command, ok=False)
        assert p.returncode == 1 and "names sac with the coupling scorer, which sac does not take" in p.stderr, (command[0], p.stderr)


def test_a_run_with_one_diagnostic_draws_its_points(cli, tmp_path):
    """A run with one diagnostic row drew its time panels with lines, which need two points: empty panels, their
    x axis autoscaled around the one step and labelled with it over and over."""
    run = write_run(tmp_path / "runs" / "pendulum" / "sac-individual" / "seed0", "individual", 0, rotating=False, steps=1)
    out = tmp_path / "out"
    cli("diagnose", str(run), "--out", str(out))
    script = (out / "gradient_vs_total_derivative.gp").read_text()
    assert "with lines lw 1.5 dt" not in script and "with points pt 7" in script, script
    assert "set xrange [0:1250.0]" in script, script
    assert "largest |Im|/|Re| over the leading eigenvalues: median 0.02" in (out / "report.txt").read_text()
    assert_gnuplot_png(out / "gradient_vs_total_derivative.png")


def test_runs_whose_settings_differ_are_groups_of_their_own_and_undiagnosable_runs_are_left_out(cli, tmp_path):
    """diagnose pooled runs of one coupling whatever else differed (a λ-held ablation beside the main grid; K = 5 and
    K = 0 follower steps), where compare splits them; one run without diagnostics refused the whole report; an
    unfinished run was diagnosed without a word."""
    runs = tmp_path / "runs"
    held = write_run(runs / "held" / "seed0", "actor-leader", 0, rotating=False)
    main = write_run(runs / "main" / "seed1", "actor-leader", 1, rotating=False)
    (held / "config.toml").write_text((held / "config.toml").read_text() + "stackelberg.lambda = 5\n")
    (main / "summary.json").write_text(json.dumps({"env_steps": 40000, "seed": 1}))
    plain = write_run(runs / "plain" / "seed2", "actor-leader", 2, rotating=False, diagnostics=False)
    out = tmp_path / "out"
    p = cli("diagnose", str(runs), "--no-render", "--out", str(out))
    report = json.loads((out / "report.json").read_text())
    assert sorted(g["name"] for g in report["groups"]) == sorted(["sac-actor-leader [stackelberg.lambda=5]", "sac-actor-leader [stackelberg.lambda=500]"]), report["groups"]
    assert f"note: left out: {plain} has no game diagnostics" in p.stderr, p.stderr
    text = (out / "report.txt").read_text()
    assert "Left out (cannot be diagnosed)" in text and f"- {plain} has no game diagnostics" in text, text
    assert report["leftOut"] and len(report["runs"]) == 2
    # held has no summary.json: said in its run's lines; main has one.
    assert text.count("unfinished (no summary.json): its diagnostics stop at step 40000 of the 40000 its config trains") == 1, text
    # Every run without diagnostics: still refused, with the fix.
    p = cli("diagnose", str(plain), "--no-render", "--out", str(tmp_path / "none"), ok=False)
    assert p.returncode == 1 and "train it with --set diagnostics.enabled=true" in p.stderr, p.stderr


def test_no_loss_drop_says_which_setting_logs_it(cli, tmp_path):
    """diagnostics.follower_steps = 0 logs no loss drop; the report said "(no loss drop logged)" without why."""
    run = write_run(tmp_path / "runs" / "pendulum" / "sac-individual" / "seed0", "individual", 0, rotating=False)
    lines = (run / "updates.csv").read_text().splitlines()
    header = lines[0].split(",")
    k = header.index("game_follower_loss_drop")
    (run / "updates.csv").write_text("\n".join([lines[0]] + [",".join(("nan" if i == k else c) for i, c in enumerate(l.split(","))) for l in lines[1:]]) + "\n")
    cli("diagnose", str(run), "--no-render", "--out", str(tmp_path / "out"))
    text = (tmp_path / "out" / "report.txt").read_text()
    assert "(no loss drop logged: the best-response gap needs diagnostics.follower_steps > 0 extra follower steps)" in text, text


def test_diagnostics_finer_than_the_log_rows_are_noted(stackelberg_bin, tmp_path):
    """diagnostics.interval = 1 on PPO took a diagnostic at each of a rollout's 16 minibatch updates, and updates.csv
    kept one a row: fifteen in sixteen cost their Hessian-vector products for nothing, without a word."""
    base = [str(stackelberg_bin), "train", "--algo", "ppo", "--env", "cartpole", "--steps", "1024", "--quiet",
            "--set", "diagnostics.enabled=true", "--set", "tensorboard=false"]
    p = subprocess.run(base + ["--set", "diagnostics.interval=1", "--out", str(tmp_path / "fine")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    run = tmp_path / "fine" / "cartpole" / "ppo-monolithic" / "seed0"
    said = re.findall(r"note: (.*): diagnostics.interval = 1 took (\d+) diagnostics in one updates.csv row \(log_interval = (\d+) steps\); "
                      r"a row keeps the last, so the other (\d+) cost time and are dropped: set diagnostics.interval to (\d+) or more "
                      r"\(a row comes at most once an iteration, and one iteration of 512 steps has 16 updates\)", p.stderr)
    assert len(said) == 1, p.stderr   # once a run
    where, taken, _, others, suggested = said[0]
    assert where == str(run) and int(taken) > 1 and int(others) == int(taken) - 1 and int(suggested) == int(taken), said
    # At the suggested interval, one a row at most: no note.
    p = subprocess.run(base + ["--set", f"diagnostics.interval={suggested}", "--out", str(tmp_path / "coarse")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "diagnostics in one updates.csv row" not in p.stderr, p.stderr
    # DQN updates once an environment step or few: there a finer log_interval is the other fix.
    p = subprocess.run([str(stackelberg_bin), "train", "--algo", "dqn", "--env", "cartpole", "--steps", "3000", "--quiet", "--set", "tensorboard=false",
                        "--set", "diagnostics.enabled=true", "--set", "diagnostics.interval=10", "--out", str(tmp_path / "dqn")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and re.search(r"diagnostics.interval = 10 took \d+ diagnostics in one updates.csv row .* or more, or lower log_interval\n", p.stderr), p.stderr
