"""The training hot path allocates nothing per step, counted by valgrind.

`stackelberg-bench-nn --alloc-probe K --rows ROW` builds one workload (the benchmark's networks at
tiny batch sizes, which keep valgrind fast and do not change whether a step allocates), runs two
warm-up steps, then K more. valgrind's "total heap usage: N allocs" counts every malloc of the process; running
with K = 1 and K = 4 and subtracting leaves what three steps allocated. The rows cover the
first-order training step (MLP and conv forward + backward + gradient), action selection, a
Hessian-vector product, the STAC total derivative with 10 CG iterations, and whole DQN training
iterations (`DQNAgent.iterate()`: monolithic, SCORER, Double DQN + SCORER, and the total-derivative coupling
with the head leading (10 CG Hessian-vector products per update); `PQNAgent.iterate()` monolithic and with SCORER;
`DDPGAgent.iterate()` on Pendulum, individual, critic-leader and actor-leader, with updates and Polyak averaging;
`SACAgent.iterate()` individual with a tuned α and actor-leader (STDDPG-AL, STSAC-AL: 10 CG products). A solve cut
short (tolerance, negative curvature) records a smaller graph than a full one, so the total derivative reserves, at its
first product, the room of its largest solve; without that DQN's head-leader row grew its graph in a counted step;
`ACAgent.iterate()` on CartPole, a whole batch and update, AC with m = 2 and STAC with 10 CG products;
`PPOAgent.iterate()`, monolithic on Pendulum with observation and reward normalization, and BLPO on CartPole
with recomputed advantages, K = 2 and a CG hypergradient). Three rows run again with STACKELBERG_GEMM=libxsmm.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT

ROWS = ["mlp_fwdbwd_b4", "mlp_act_b4", "conv_fwdbwd_b2", "hvp_critic_b4", "cg_total_derivative_b4"]
# Whole training iterations on MinAtar Breakout, 4 copies (DQN batch 4, PQN rollouts of 4 steps):
# action selection, the environment step with episode ends and resets, replay, both SCORER
# players' updates and DQN's target copy every other iteration. They run 24 steps, so episodes end
# within the counted ones.
AGENT_ROWS = ["dqn_monolithic_iterate_e4_b4", "dqn_scorer_iterate_e4_b4", "ddqn_scorer_iterate_e4_b4", "pqn_scorer_iterate_e4_t4",
              "pqn_monolithic_iterate_e4_t4", "dqn_head-leader_iterate_e4_b4",
              "ddpg_individual_iterate_e2_b4", "ddpg_critic-leader_iterate_e2_b4", "sac_individual_iterate_e2_b4",
              "ddpg_actor-leader_iterate_e2_b4", "sac_actor-leader_iterate_e2_b4",
              "ac_individual_iterate_e2_t4", "ac_actor-leader_iterate_e2_t4",
              "ppo_monolithic_iterate_e2_t4", "ppo_blpo_iterate_e2_t4"]


def bench_binary():
    for build in ("debug", "release"):
        path = REPO_ROOT / ".build" / build / "stackelberg-bench-nn"
        if path.exists():
            return path
    pytest.fail("stackelberg-bench-nn is not built: run `swift build` first")


def heap_allocations(binary, row, steps, gemm=None):
    env = dict(os.environ, **({"STACKELBERG_GEMM": gemm} if gemm else {}))
    out = subprocess.run(["valgrind", "--tool=memcheck", "--leak-check=no", str(binary), "--rows", row,
                          "--alloc-probe", str(steps)], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    match = re.search(r"total heap usage: ([\d,]+) allocs", out.stderr)
    assert match, f"valgrind printed no heap summary:\n{out.stderr[-2000:]}"
    return int(match.group(1).replace(",", ""))


# The libxsmm GEMM path (its JIT kernels, and the scratch copy of a transposed operand) allocates only
# while the shapes first appear. Under valgrind, which hides AVX-512, "auto" would choose OpenBLAS: three
# rows run again with libxsmm forced, which then writes AVX2 kernels.
LIBXSMM_ROWS = ["mlp_fwdbwd_b4", "hvp_critic_b4", "ppo_blpo_iterate_e2_t4"]


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (scripts/setup.sh installs it)")
@pytest.mark.parametrize("row, gemm", [(r, None) for r in ROWS + AGENT_ROWS] + [(r, "libxsmm") for r in LIBXSMM_ROWS])
def test_steps_allocate_nothing(row, gemm):
    binary = bench_binary()
    extra = 23 if row in AGENT_ROWS else 3
    few, more = heap_allocations(binary, row, 1, gemm), heap_allocations(binary, row, 1 + extra, gemm)
    assert more - few == 0, f"{row}{' (' + gemm + ')' if gemm else ''}: {extra} extra steps made {more - few} heap allocations ({few} → {more})"
