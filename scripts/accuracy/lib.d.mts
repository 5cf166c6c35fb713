// Types for lib.mjs (used by test/numerics/oracle.test.ts).
type FloatArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

export interface Expected {
  r: number;
  d: number;
}
export interface ExpectedVector {
  r: number[];
  d: number[];
}
export interface FixtureRow {
  id: string;
  group: string;
  n: number;
  x: FloatArray;
  labels: FloatArray[];
  ids: number[];
  sample: number[] | null;
  expected: {
    softmax: ExpectedVector;
    logSoftmax: ExpectedVector;
    logSumExp: Expected;
    ce: Array<{ loss: Expected; grad: ExpectedVector }>;
    sparse: Array<{ loss: Expected; grad: ExpectedVector }>;
  };
}
export interface Fixtures {
  oracle: string;
  rows: FixtureRow[];
  elementwise: { x: FloatArray; ceLogits: FloatArray; ceLabels: FloatArray; expected: Record<string, ExpectedVector> };
}
export interface Entry {
  err: number;
  ours: number;
  r: number;
  d: number;
  where: string;
  row: FixtureRow | null;
  i: number;
  label: number;
}
export interface Bucket {
  op: string;
  dtype: DType;
  rows: Set<string>;
  errors: number[];
  worst: Array<{ err: number; where: string; ours: string; expected: string; d: number }>;
  entries: Entry[];
}
export interface Adapter {
  name: string;
  runRow(x: FloatArray, labels: FloatArray[], ids: number[], dtype: DType, row?: FixtureRow): unknown;
  runElementwise(x: FloatArray, ceLogits: FloatArray, ceLabels: FloatArray, dtype: DType): unknown;
}

export const FIXTURE_DIR: string;
export const DTYPES: DType[];
export const OPS: string[];
export function parseValue(s: string, dtype: DType): number;
export function ulpOf(r: number, dtype: DType): number;
export function ulpError(ours: number, r: number, d: number, dtype: DType): number;
export function genRow(gen: { seed: number; n: number; scalePow2: number; maskEvery?: number }): Float64Array;
export function loadFixtures(dir?: string): Record<DType, Fixtures>;
export function apiAdapter(lk: unknown, name?: string): Adapter;
export function kernelAdapter(kernels: unknown, name?: string): Adapter;
export function measure(
  adapter: Adapter,
  fixtures: Record<DType, Fixtures>,
  options?: { dtypes?: DType[]; rowFilter?: (row: { id: string; group: string }, dtype: DType) => boolean; keepEntries?: boolean },
): Map<string, Bucket>;
export function summarize(
  results: Map<string, Bucket>,
): Array<{ op: string; dtype: DType; rows: number; values: number; maxUlp: number; medianUlp: number; worst: Bucket['worst'] }>;
export function formatUlp(u: number): string;
export function formatTable(headers: string[], rows: unknown[][]): string;
export function rowMax(row: FixtureRow): number;
export function lseCancels(entry: Entry): boolean;
export function oneHot(ys: ArrayLike<number>): boolean;
export function compensatedSum(ys: ArrayLike<number>): number;
export function softGradTerms(entry: Entry): [number, number];
export function sigmoidGradTerms(fixtures: Record<DType, Fixtures>, dtype: DType, entry: Entry): [number, number];
export function cancellation(terms: [number, number], exact: number): number;
export function operandUlps(dtype: DType, terms: [number, number], entry: Entry): number;
