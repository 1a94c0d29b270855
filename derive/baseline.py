"""The hand-written SymPy check a person would write without derive (the baseline of ``derive bench``).

Plain SymPy, none of derive's code: build the regularised loss J(W,b) of a network with an undefined
activation f, differentiate it with ``sympy.diff`` for every weight and bias, compute the seed's
hand-derived gradients with the δ recurrence, and check ``expand(auto - hand) == 0`` for each.

    python -m derive.baseline 4,5,5,3 1
    {"sizes": [4, 5, 5, 3], "m": 1, "seconds": 9.8, "passed": true, "checked": 53}
"""

from __future__ import annotations

import json
import sys
import time

import sympy as sp


def check(sizes: list[int], m: int) -> dict:
    start = time.perf_counter()
    n_l = len(sizes)
    f = sp.Function("f")
    t = sp.Symbol("t")
    lam = sp.Symbol("lambda")

    def fprime(z):  # f'(z) written the way sympy.diff writes it: Subs(Derivative(f(t), t), t, z)
        return sp.diff(f(t), t).subs(t, z)

    # Parameters, 1-based layers: W[l] is s_{l+1} x s_l, b[l] has length s_{l+1}.
    W = {l: sp.Matrix(sizes[l], sizes[l - 1], lambda i, j, l=l: sp.Symbol(f"W^{l}_{i + 1}{j + 1}"))
         for l in range(1, n_l)}
    b = {l: sp.Matrix(sizes[l], 1, lambda i, _, l=l: sp.Symbol(f"b^{l}_{i + 1}")) for l in range(1, n_l)}
    params = [w for l in W for w in W[l]] + [v for l in b for v in b[l]]

    # Forward pass and per-sample loss J(W,b;x^k,y^k) = 1/2 ||a^{n_l} - y^k||^2.
    samples = []
    for k in range(1, m + 1):
        x = sp.Matrix(sizes[0], 1, lambda i, _, k=k: sp.Symbol(f"x^({k})_{i + 1}"))
        y = sp.Matrix(sizes[-1], 1, lambda i, _, k=k: sp.Symbol(f"y^({k})_{i + 1}"))
        a, z = {1: x}, {}
        for l in range(1, n_l):
            z[l + 1] = W[l] * a[l] + b[l]
            a[l + 1] = z[l + 1].applyfunc(f)
        J_k = sp.Rational(1, 2) * sum((a[n_l][i] - y[i]) ** 2 for i in range(sizes[-1]))
        samples.append((a, z, y, J_k))

    # Full loss J(W,b) = (1/m) sum_k J_k + lambda/2 sum W^2 (biases not regularised).
    J = sp.Rational(1, m) * sum(s[3] for s in samples) + lam / 2 * sum(w ** 2 for w in params[:sum(
        sizes[l] * sizes[l - 1] for l in range(1, n_l))])

    # Hand-derived gradients, the seed's recurrence, per sample then averaged.
    hand_W = {l: sp.zeros(*W[l].shape) for l in W}
    hand_b = {l: sp.zeros(*b[l].shape) for l in b}
    for a, z, y, _ in samples:
        fp = {l: z[l].applyfunc(fprime) for l in z}
        delta = {n_l: (-(y - a[n_l])).multiply_elementwise(fp[n_l])}
        for l in range(n_l - 1, 1, -1):
            delta[l] = (W[l].T * delta[l + 1]).multiply_elementwise(fp[l])
        for l in range(1, n_l):
            hand_W[l] += delta[l + 1] * a[l].T
            hand_b[l] += delta[l + 1]
    hand = {}
    for l in W:
        for idx, w in enumerate(W[l]):
            hand[w] = hand_W[l][idx] / m + lam * w
        for idx, v in enumerate(b[l]):
            hand[v] = hand_b[l][idx] / m

    # Automatic derivative for every parameter, compared exactly.
    passed = True
    for p in params:
        auto = sp.diff(J, p)
        if sp.expand(auto - hand[p]) != 0:
            passed = False
            print(f"not equal: dJ/d{p}", file=sys.stderr)
    return {"sizes": list(sizes), "m": m, "seconds": round(time.perf_counter() - start, 4),
            "passed": passed, "checked": len(params)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m derive.baseline SIZES M   (e.g. 4,5,5,3 1)", file=sys.stderr)
        return 2
    sizes, m = [int(s) for s in argv[0].split(",")], int(argv[1])
    result = check(sizes, m)
    print(json.dumps(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
