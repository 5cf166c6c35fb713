import { Tensor, type GradRecord } from '../tensor/tensor.js';

/*
 * The tape, micrograd-style: while a gradient function runs its f, every op whose inputs include a watched
 * tensor records its parents and a backward closure on the output. Backprop walks those records from the
 * output back to the watched inputs. Each gradient call has its own tape id, so records left on tensors by
 * an earlier call never leak into a later one.
 */

let currentTape = 0;
let tapeCounter = 0;
const tapeOf = new WeakMap<Tensor, number>();
/** Tapes of the gradient calls enclosing the current one, and whether the current one used their tensors. */
const enclosing: number[] = [];
let usedEnclosing = false;

export function isRecording(): boolean {
  return currentTape !== 0;
}

/** True when x is on the current tape (watched, or computed from a watched tensor). */
export function isTracked(x: Tensor): boolean {
  return currentTape !== 0 && tapeOf.get(x) === currentTape;
}

/** Records `out = op(parents)` with its backward rule if any parent is tracked; returns out. */
export function record(
  out: Tensor,
  op: string,
  parents: readonly Tensor[],
  backward: (dy: Tensor, tracked: readonly boolean[]) => ReadonlyArray<Tensor | null>,
): Tensor {
  if (currentTape === 0) return out;
  // A nested gradient call whose f depends on an outer call's tensors would be silently disconnected from it.
  if (enclosing.length && parents.some((p) => enclosing.includes(tapeOf.get(p) ?? 0))) usedEnclosing = true;
  if (!parents.some(isTracked)) return out;
  // Which parents need a gradient, fixed now: rules may skip the others (e.g. a matMul's constant input).
  const tracked = parents.map(isTracked);
  const rec: GradRecord = { op, parents, backward: (dy) => backward(dy, tracked) };
  out.record = rec;
  tapeOf.set(out, currentTape);
  return out;
}

/** True when the op should compute gradient pieces in its forward pass (fused ops use this). */
export function needsGrad(...inputs: Tensor[]): boolean {
  return currentTape !== 0 && inputs.some(isTracked);
}

/**
 * Runs f on a fresh tape with `sources` watched; returns f's result, the tape id, and whether f used a tensor
 * tracked by an enclosing tape (a nested, higher-order gradient, which this tape cannot differentiate).
 */
export function withTape<T>(sources: readonly Tensor[], f: () => T): { result: T; tape: number; usedEnclosing: boolean } {
  const saved = currentTape;
  const savedUsed = usedEnclosing;
  if (saved !== 0) enclosing.push(saved);
  currentTape = ++tapeCounter;
  usedEnclosing = false;
  try {
    for (const s of sources) tapeOf.set(s, currentTape);
    const result = f();
    return { result, tape: currentTape, usedEnclosing };
  } finally {
    if (saved !== 0) enclosing.pop();
    currentTape = saved;
    usedEnclosing = savedUsed;
  }
}

/** Runs f with recording off: backward rules and no-grad code run here. */
export function withoutTape<T>(f: () => T): T {
  const saved = currentTape;
  currentTape = 0;
  try {
    return f();
  } finally {
    currentTape = saved;
  }
}

/** While a sweep runs its rules: how many of its records take each tensor as a parent, and its sources. */
let sweep: { consumers: Map<Tensor, number>; leaves: Set<Tensor> } | null = null;

/**
 * True, inside a backward rule, when x is not a source of the sweep and exactly one parent slot of one record on
 * its path takes x: the gradient the rule returns for x is then the one x's own rule receives, unchanged (a fused
 * gradient that already took a step of that rule relies on it).
 */
export function soleConsumer(x: Tensor): boolean {
  return sweep !== null && !sweep.leaves.has(x) && sweep.consumers.get(x) === 1;
}

/**
 * Reverse-mode sweep from y (with incoming gradient dy) on the given tape.
 * Returns the accumulated gradient of every tensor reached, keyed by tensor.
 */
export function backprop(y: Tensor, dy: Tensor, tape: number, sources: readonly Tensor[], accumulate: (a: Tensor, b: Tensor) => Tensor): Map<Tensor, Tensor> {
  const leaves = new Set(sources);
  const onTape = (t: Tensor) => tapeOf.get(t) === tape;
  // Topological order by iterative DFS (deep graphs must not overflow the JS stack).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[y, 0]];
  seen.add(y);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    const parents = leaves.has(node) ? [] : (node.record?.parents ?? []);
    if (i < parents.length) {
      top[1]++;
      const p = parents[i];
      if (onTape(p) && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  const consumers = new Map<Tensor, number>();
  for (const node of order) {
    if (leaves.has(node) || !node.record || !onTape(node)) continue;
    for (const p of node.record.parents) if (onTape(p)) consumers.set(p, (consumers.get(p) ?? 0) + 1);
  }
  const grads = new Map<Tensor, Tensor>([[y, dy]]);
  const savedSweep = sweep;
  sweep = { consumers, leaves };
  try {
    return sweepRules(order, grads, onTape, leaves, accumulate);
  } finally {
    sweep = savedSweep;
  }
}

function sweepRules(
  order: readonly Tensor[],
  grads: Map<Tensor, Tensor>,
  onTape: (t: Tensor) => boolean,
  leaves: Set<Tensor>,
  accumulate: (a: Tensor, b: Tensor) => Tensor,
): Map<Tensor, Tensor> {
  return withoutTape(() => {
    for (let n = order.length - 1; n >= 0; n--) {
      const node = order[n];
      const g = grads.get(node);
      const rec = node.record;
      if (!g || !rec || !onTape(node) || leaves.has(node)) continue;
      const parentGrads = rec.backward(g);
      rec.parents.forEach((p, i) => {
        const pg = parentGrads[i];
        if (!pg || !onTape(p)) return;
        const prev = grads.get(p);
        grads.set(p, prev ? accumulate(prev, pg) : pg);
      });
    }
    return grads;
  });
}
