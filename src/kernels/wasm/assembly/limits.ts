/** Clamp limits for exp arguments: below them the result rounds to 0 (float32 after scaling; float64). */
export const LIMITS: usize = memory.data<f64>([-200, -200, -746, -746, 0, 0], 16);
