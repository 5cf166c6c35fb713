/** A duration in the unit that shows it: ms below a second (a 0.3 s epoch must not read as '0.00 s'). */
export const duration = (s: number): string => (s < 1 ? `${(1000 * s).toPrecision(3)} ms` : `${s.toFixed(s < 100 ? 2 : 0)} s`);
