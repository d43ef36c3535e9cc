#!/usr/bin/env python3
"""The GEMM benchmark's peer: PyTorch's `torch.mm` (MKL on x86, one thread) at the same products.

    python3 Benchmarks/peers/gemm_torch.py --rows gemm_100_256_256_NN,... [--repeat 5]

Each row name is `gemm_M_N_K_OPS` as in `Benchmarks/NNBenchmark/GEMMWorkloads.swift`: C (M × N) =
op(A) (M × K) · op(B) (K × N), op = transpose where OPS says T; A and B are stored so that op(·) is a
transposed view, as the Swift rows store them, and C is written in place (`out=`). Prints one JSON line
per row: {"row", "best_s", "blas"}, the best of --repeat timings of a loop long enough to take ~50 ms.
The time includes PyTorch's per-call dispatch (a few µs), as the Swift rows include the graph's.
"""
import argparse
import json
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    blas = "mkl" if torch.backends.mkl.is_available() else "torch default"
    g = torch.Generator().manual_seed(0)
    for name in a.rows.split(","):
        m, n, k, ops = name.split("_")[1:]
        m, n, k = int(m), int(n), int(k)
        a_ = torch.rand((k, m) if ops[0] == "T" else (m, k), generator=g)
        b_ = torch.rand((n, k) if ops[1] == "T" else (k, n), generator=g)
        opa, opb = (a_.t() if ops[0] == "T" else a_), (b_.t() if ops[1] == "T" else b_)
        c = torch.empty(m, n)
        torch.mm(opa, opb, out=c)
        t0 = time.perf_counter()
        torch.mm(opa, opb, out=c)
        loops = max(1, int(0.05 / max(time.perf_counter() - t0, 1e-7)))
        best = float("inf")
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            for _ in range(loops):
                torch.mm(opa, opb, out=c)
            best = min(best, (time.perf_counter() - t0) / loops)
        print(json.dumps({"row": name, "best_s": best, "blas": blas}), flush=True)


if __name__ == "__main__":
    main()
