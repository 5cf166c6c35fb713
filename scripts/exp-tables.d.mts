/** The exp kernels' tables as 16-digit hex words (scripts/exp-tables.mjs). */
export function expTableWords(): { exp2: string[]; tails: string[]; scales: string[] };
/** The generated files, by path from the repository root. */
export function expTableFiles(): Record<string, string>;
