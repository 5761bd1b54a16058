#!/usr/bin/env python3
"""Sparse lane network as DIMACS min-cost flow (the second peer family).

Real lane networks, unlike gen_transfer_dimacs.py's dense chain: each store
has lanes to a few nearest stores (DEGREE on average, each store drawing
its own out-degree in [DEGREE-2, DEGREE+2], at least 1) and to and from its
one or two nearest distribution centres (1 per 100 nodes, at least 2);
some lanes are free (own vans, cost 0, share ZERO), some store pairs get a
second parallel lane with another cost and capacity (share PARALLEL), a
share TRANSSHIP of stores only pass goods on (supply 0 and never the start
or end of a shipment).

Feasible by construction with exact balance: shipments of 1..20 units walk
1..6 lanes from a stocked node to another non-transshipment node; the
supplies are the net outflows of that flow (so they sum to 0, no slack
node). Capacities: a lane the shipments used gets exactly its shipped
volume with probability TIGHT (it binds), otherwise that plus a random
margin; unused lanes get 1..30 units. Costs grow with distance (cents per
unit). Arcs are written grouped by tail, as most DIMACS writers do.
Deterministic for a given seed.

usage: gen_sparse_dimacs.py NODES SEED [DEGREE [TIGHT [ZERO [PARALLEL
                            [TRANSSHIP]]]]] > file.min
defaults: DEGREE 4, TIGHT 0.5, ZERO 0.1, PARALLEL 0.1, TRANSSHIP 0.15
"""
import math
import random
import sys


def nearest(pts, cells, cell, i, k, pool):
    """k nearest points of `pool` (a set test via cells) to point i."""
    x, y = pts[i]
    cx, cy = int(x // cell), int(y // cell)
    r = 1
    while True:
        cand = []
        for gx in range(cx - r, cx + r + 1):
            for gy in range(cy - r, cy + r + 1):
                cand.extend(j for j in cells.get((gx, gy), ()) if j != i)
        # every point within r * cell of i is in the window
        cand.sort(key=lambda j: math.dist(pts[i], pts[j]))
        if len(cand) >= k and math.dist(pts[i], pts[cand[k - 1]]) <= r * cell:
            return cand[:k]
        if len(cand) >= pool - 1:
            return cand[:k]
        r += 1


def main():
    a = sys.argv[1:]
    if len(a) < 2:
        sys.exit(__doc__)
    n, seed = int(a[0]), int(a[1])
    deg = float(a[2]) if len(a) > 2 else 4.0
    tight = float(a[3]) if len(a) > 3 else 0.5
    zero = float(a[4]) if len(a) > 4 else 0.1
    par = float(a[5]) if len(a) > 5 else 0.1
    trans = float(a[6]) if len(a) > 6 else 0.15
    rng = random.Random(seed)
    n_dc = max(2, n // 100)
    n_st = n - n_dc  # stores 0..n_st-1, DCs after
    pts = [(rng.uniform(0, 1000), rng.uniform(0, 1000)) for _ in range(n)]
    cell = 1000.0 / max(1, int(math.sqrt(n_st / 4)))
    st_cells, dc_cells = {}, {}
    for i in range(n):
        key = (int(pts[i][0] // cell), int(pts[i][1] // cell))
        (st_cells if i < n_st else dc_cells).setdefault(key, []).append(i)
    dc_cell = 1000.0 / max(1, int(math.sqrt(n_dc / 2)))
    dc_cells = {}
    for i in range(n_st, n):
        key = (int(pts[i][0] // dc_cell), int(pts[i][1] // dc_cell))
        dc_cells.setdefault(key, []).append(i)

    arcs = []  # [tail, head, cost]

    def cost_of(i, j, base):
        return 0 if rng.random() < zero else base + int(math.dist(pts[i], pts[j]) * 3)

    lo, hi = max(1, int(round(deg)) - 2), int(round(deg)) + 2
    for i in range(n_st):
        k = min(rng.randint(lo, hi), n_st - 1)
        for j in nearest(pts, st_cells, cell, i, k, n_st):
            arcs.append([i, j, cost_of(i, j, 20)])
            if rng.random() < par:  # a second carrier on the same lane
                arcs.append([i, j, cost_of(i, j, 35)])
        for d in nearest(pts, dc_cells, dc_cell, i, rng.randint(1, 2), n_dc + 1):
            arcs.append([d, i, cost_of(d, i, 10)])
            arcs.append([i, d, cost_of(i, d, 10)])
    arcs.sort(key=lambda e: e[0])  # grouped by tail, stable
    out_adj = [[] for _ in range(n)]
    for e, (u, _, _) in enumerate(arcs):
        out_adj[u].append(e)

    transship = [i < n_st and rng.random() < trans for i in range(n)]
    ends = [i for i in range(n) if not transship[i]]
    flow = [0] * len(arcs)
    for _ in range(2 * n):
        s = rng.choice(ends)
        q = rng.randint(1, 20)
        path, v = [], s
        for _step in range(rng.randint(1, 6)):
            if not out_adj[v]:
                break
            e = rng.choice(out_adj[v])
            path.append(e)
            v = arcs[e][1]
        while transship[v] and len(path) < 12 and out_adj[v]:
            e = rng.choice(out_adj[v])
            path.append(e)
            v = arcs[e][1]
        if v == s or transship[v] or not path:
            continue
        for e in path:
            flow[e] += q
    sup = [0] * n
    caps = []
    for e, (u, v, _) in enumerate(arcs):
        sup[u] += flow[e]
        sup[v] -= flow[e]
        f = flow[e]
        if f > 0:
            caps.append(f if rng.random() < tight else f + rng.randint(1, 2 * f + 5))
        else:
            caps.append(rng.randint(1, 30))
    assert sum(sup) == 0

    w = sys.stdout.write
    w(f"c sparse lanes nodes={n} seed={seed} degree={deg} tight={tight} "
      f"zero={zero} parallel={par} transship={trans}\n")
    w(f"p min {n} {len(arcs)}\n")
    for i, s in enumerate(sup):
        if s:
            w(f"n {i + 1} {s}\n")
    w("".join("a %d %d 0 %d %d\n" % (u + 1, v + 1, caps[e], c)
              for e, (u, v, c) in enumerate(arcs)))


main()
