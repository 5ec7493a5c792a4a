// Position ranges known (from `seek` replies) to hold only labeled items, so "next
// unlabeled" can walk past tasks that are not in the cache. Sorted, disjoint [a, b).
export class LabeledGaps {
  private gaps: Array<[number, number]> = [];

  clear(): void {
    this.gaps = [];
  }

  /** The range holding `q`, if any (binary search). */
  at(q: number): [number, number] | undefined {
    const gs = this.gaps;
    let lo = 0;
    let hi = gs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const g = gs[mid];
      if (q < g[0]) hi = mid - 1;
      else if (q >= g[1]) lo = mid + 1;
      else return g;
    }
    return undefined;
  }

  add(a: number, b: number): void {
    if (!(b > a)) return;
    const out: Array<[number, number]> = [];
    let na = a;
    let nb = b;
    for (const g of this.gaps) {
      if (g[1] < na || g[0] > nb) out.push(g);
      else {
        na = Math.min(na, g[0]);
        nb = Math.max(nb, g[1]);
      }
    }
    out.push([na, nb]);
    out.sort((x, y) => x[0] - y[0]);
    this.gaps = out;
  }

  /** `p` may no longer be labeled (changed, evicted): take it out of its range. */
  punch(p: number): void {
    const g = this.at(p);
    if (!g) return;
    const out: Array<[number, number]> = [];
    for (const x of this.gaps) {
      if (x !== g) out.push(x);
      else {
        if (x[0] < p) out.push([x[0], p]);
        if (p + 1 < x[1]) out.push([p + 1, x[1]]);
      }
    }
    this.gaps = out;
  }
}
