// Broadcast patterns the fast kernel sets handle without the general broadcasting loop.

/** True when `shape`, without leading 1s, equals the trailing dimensions of `outShape`: a row repeated over the rest. */
export function isTrailingRow(shape: readonly number[], outShape: readonly number[]): boolean {
  let s = 0;
  while (s < shape.length - 1 && shape[s] === 1) s++;
  const own = shape.length - s;
  if (own > outShape.length) return false;
  for (let i = 1; i <= own; i++) if (shape[shape.length - i] !== outShape[outShape.length - i]) return false;
  return true;
}

/**
 * True when `shape` equals `outShape` but for a last dimension of 1 (leading 1s may be missing): one
 * value per row, repeated along the row, as the upstream gradient of a per-example loss.
 */
export function isPerRow(shape: readonly number[], outShape: readonly number[]): boolean {
  const rank = outShape.length;
  if (rank === 0 || outShape[rank - 1] <= 1 || shape.length > rank) return false;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  if (padded[rank - 1] !== 1) return false;
  for (let d = 0; d < rank - 1; d++) if (padded[d] !== outShape[d]) return false;
  return true;
}
