// The language-model rows of `npm run bench` (issue 15, item 6), run by bench/run.mjs:
//   sampling:  one processing + sampling step (repetition penalty over 512 previous tokens → temperature → top-k →
//              top-p → min-p → a seeded sample) at V = 32,000, 128,000 and 256,000, batch 1, µs per step;
//              logitkit's sampling module against the same pipeline in PyTorch written as Hugging Face writes it.
//   linear-ce: nn.linearCrossEntropy forward + backward at N = 1,024, D = 512, V = 65,536 against the materialised
//              path (logitkit matMul → sparse cross-entropy; PyTorch F.cross_entropy(h @ W.T, y)): median time, and
//              the extra peak RSS of one step measured in a fresh process of its own.
// Every cell is its own child process (bench/worker.mjs with --expose-gc, bench/torch_lm.py).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, OUTPUTS_DIR, fmt, readOutput, summarize } from './common.mjs';
import { LINEAR_CE, SAMPLING, ensureLmInputs } from './lm-inputs.mjs';

export const LM_WORKLOADS = new Set(['sampling', 'linear-ce']);
/** The columns unless --frameworks names others: Node's default kernel set, the browsers' set, PyTorch on one thread. */
const SAMPLING_FRAMEWORKS = ['logitkit-native', 'logitkit-wasm', 'torch-1t'];
const LINEAR_CE_FRAMEWORKS = ['logitkit-native', 'torch-1t'];
const GOALS = { samplingRatio: 0.5, samplingVocab: 256_000, lceMemory: 0.1, lceTime: 1.2 };
const TOL = { lossRel: 1e-5, gradRel: 1e-4, keptValueUlps: 1 };

const us = (ms) => `${fmt(ms * 1000)} µs`;
const msOrS = (ms) => (ms >= 1000 ? `${fmt(ms / 1000)} s` : `${fmt(ms)} ms`);
function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Distance in float32 ulps (NaN when either is not finite and they differ). */
function ulps(a, b) {
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return NaN;
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  const key = (x) => (x < 0 ? 0x80000000 - x : x);
  return Math.abs(key(i[0]) - key(i[1]));
}

/** A logitkit cell's kept sets, processed logits and samples against PyTorch's. */
function checkSampling(mine, ref) {
  const check = { rows: mine.kept.length, keptSetsEqual: 0, maxUlps: 0, samplesOutsideKept: 0 };
  mine.kept.forEach((k, r) => {
    const set = new Set(k);
    check.samplesOutsideKept += mine.tokens[r].filter((t) => !set.has(t)).length;
    if (!ref) return;
    const same = k.length === ref.kept[r].length && k.every((x, j) => x === ref.kept[r][j]);
    if (same) {
      check.keptSetsEqual++;
      for (let j = 0; j < k.length; j++) check.maxUlps = Math.max(check.maxUlps, ulps(mine.values[r][j], ref.values[r][j]));
    } else {
      check.firstDifference ??= { row: r, ours: k.slice(0, 20), reference: ref.kept[r].slice(0, 20), oursSize: k.length, referenceSize: ref.kept[r].length };
    }
  });
  check.ok = check.samplesOutsideKept === 0 && (!ref || (check.keptSetsEqual === check.rows && check.maxUlps <= TOL.keptValueUlps));
  return check;
}

function compareGrad(x, ref) {
  if (!x || !ref || x.length !== ref.length) return { maxRel: Infinity, error: 'missing or wrong length' };
  let maxAbs = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(x[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  return { maxAbs, maxRel: maxAbs / refMax };
}

function readJson(name) {
  const p = path.join(OUTPUTS_DIR, name);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null;
}

/**
 * Runs the requested rows and returns their results, Markdown tables and goal lines.
 * ctx: { workloads, args, selected, only, python, runChild, notice, warn }
 */
export async function runLmRows(ctx) {
  const { workloads, args, selected, only, python, runChild, notice, warn } = ctx;
  ensureLmInputs();
  const rounds = Math.max(1, Number(args.rounds ?? 1));
  const out = { results: {}, tables: [], goals: [], lines: [] };
  const pick = (defaults) => selected.filter((f) => (f.ours || f.peer === 'torch') && (only ? true : defaults.includes(f.id)) && !f.workloads);
  const node = (f, extra) => runChild(process.execPath, ['--expose-gc', path.join(BENCH_DIR, 'worker.mjs'), '--framework', f.id, ...extra], f.id);
  const torch = (f, extra) => runChild(python, [path.join(BENCH_DIR, 'torch_lm.py'), '--threads', String(f.threads), ...extra], f.id);
  const pool = (prev, r) => {
    if (!prev?.summary || !r.summary) return prev?.summary ? prev : r;
    const timesMs = [...prev.timesMs, ...r.timesMs];
    return { ...prev, timesMs, summary: summarize(timesMs), loadavg: [...prev.loadavg, ...r.loadavg] };
  };

  if (workloads.includes('sampling')) {
    const cols = pick(SAMPLING_FRAMEWORKS);
    const vocabs = args.vocabs ? String(args.vocabs).split(',').map(Number) : SAMPLING.vocabs;
    const runs = String(args['sampling-runs'] ?? 400);
    const warmup = String(args['sampling-warmup'] ?? 100);
    const budget = String(args['sampling-budget'] ?? 20);
    notice(
      `sampling row: batch 1, repetition penalty ${SAMPLING.repetitionPenalty} over ${SAMPLING.context} previous tokens → temperature ${SAMPLING.temperature} → top-k ${SAMPLING.topK} → top-p ${SAMPLING.topP} → min-p ${SAMPLING.minP} → a seeded sample; ${warmup} warm-up steps, then up to ${runs} timed steps (${budget} s budget) per cell, ${SAMPLING.rows} logit rows cycled`,
    );
    const res = {};
    for (const v of vocabs) res[v] = {};
    for (let round = 0; round < rounds; round++) {
      console.log(`\none processing + sampling step, batch 1${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}`);
      for (const v of vocabs) {
        for (const f of cols) {
          const common = ['--workload', 'sampling', '--vocab', String(v), '--runs', runs, '--warmup', warmup, '--budget', budget];
          const load = os.loadavg()[0];
          const r = f.peer === 'torch' ? await torch(f, common) : await node(f, common);
          r.framework ??= f.id;
          r.loadavg = [load];
          if (r.error) warn(`${f.id} sampling V=${v}: ${r.error.split('\n')[0]}`);
          res[v][f.id] = pool(res[v][f.id], r);
          const s = r.summary;
          console.log(
            `  V=${String(v).padEnd(7)} ${f.id.padEnd(17)} ${s ? `${us(s.medianMs)} (q1–q3 ${us(s.q1Ms)}–${us(s.q3Ms)}), ${s.runs} steps, peak RSS ${fmt(r.rss.peakMiB)} MiB, load ${load.toFixed(1)}` : r.skipped ? `skipped (${r.reason})` : 'error'}`,
          );
        }
      }
    }
    // Checks: kept sets and processed logits against PyTorch's, samples inside the kept set.
    for (const v of vocabs) {
      const ref = res[v]['torch-1t']?.output ? readJson(res[v]['torch-1t'].output) : null;
      for (const f of cols.filter((c) => c.ours)) {
        const r = res[v][f.id];
        if (!r?.output) continue;
        r.check = checkSampling(readJson(r.output), ref);
        if (!r.check.ok)
          warn(
            `${f.id} sampling V=${v} disagrees with PyTorch's Hugging Face pipeline: ${r.check.keptSetsEqual}/${r.check.rows} kept sets equal, kept logits up to ${r.check.maxUlps} ulps apart, ${r.check.samplesOutsideKept} samples outside the kept set${r.check.firstDifference ? `; row ${r.check.firstDifference.row}: ours ${r.check.firstDifference.oursSize} tokens, PyTorch ${r.check.firstDifference.referenceSize}` : ''}`,
          );
      }
    }
    out.results.sampling = res;
    const torchCol = cols.find((c) => c.id === 'torch-1t');
    const header = ['V', ...cols.map((c) => c.label), ...(torchCol ? cols.filter((c) => c.ours).map((c) => `${c.label} / PyTorch`) : [])];
    const rows = vocabs.map((v) => {
      const cells = cols.map((c) => {
        const r = res[v][c.id];
        if (!r?.summary) return r?.skipped ? 'skipped' : '—';
        return `${us(r.summary.medianMs)} (${us(r.summary.q1Ms)}–${us(r.summary.q3Ms)})`;
      });
      const t = res[v]['torch-1t']?.summary?.medianMs;
      const ratios = torchCol ? cols.filter((c) => c.ours).map((c) => (res[v][c.id]?.summary && t ? fmt(res[v][c.id].summary.medianMs / t) : '—')) : [];
      return [v.toLocaleString('en-US'), ...cells, ...ratios];
    });
    out.tables.push({ title: 'One processing + sampling step, batch 1: median µs per step (q1–q3)', md: table(header, rows) });
    const t = res[GOALS.samplingVocab]?.['torch-1t']?.summary?.medianMs;
    for (const c of cols.filter((x) => x.ours)) {
      const m = res[GOALS.samplingVocab]?.[c.id]?.summary?.medianMs;
      if (m && t)
        out.goals.push({
          ours: c.id,
          goal: `sampling step at V = 256,000: ≤ ${GOALS.samplingRatio} × PyTorch's sort-based pipeline`,
          met: m / t <= GOALS.samplingRatio,
          ratio: m / t,
          unitText: ' ours/PyTorch',
        });
    }
  }

  if (workloads.includes('linear-ce')) {
    const cols = pick(LINEAR_CE_FRAMEWORKS);
    const runs = String(args['lce-runs'] ?? 5);
    const warmup = String(args['lce-warmup'] ?? 1);
    const memSteps = String(args['lce-memory-steps'] ?? 2);
    const budget = String(args['lce-budget'] ?? 120);
    const { n, d, v } = LINEAR_CE;
    const outMiB = ((n * d + v * d) * 4) / 2 ** 20;
    notice(
      `linear-ce row: N = ${n}, D = ${d}, V = ${v.toLocaleString('en-US')}, float32, mean loss + gradients to h and W; time: ${warmup} warm-up step(s), then up to ${runs} timed steps; memory: a fresh process per cell, ${memSteps} step(s), extra = peak RSS during the step − RSS before it (inputs allocated, a small warm-up step done, collections run)`,
    );
    // Cells: logitkit fused and materialised per kernel set, PyTorch materialised.
    const cells = [];
    for (const f of cols) {
      if (f.ours) {
        cells.push({ id: `${f.id}:fused`, f, path: 'fused', label: `${f.label}, nn.linearCrossEntropy` });
        cells.push({ id: `${f.id}:materialised`, f, path: 'materialised', label: `${f.label}, matMul → sparse CE` });
      } else cells.push({ id: `${f.id}:materialised`, f, path: 'materialised', label: `${f.label}, F.cross_entropy(h @ W.T, y)` });
    }
    const res = {};
    for (let round = 0; round < rounds; round++) {
      console.log(`\nlinear cross-entropy forward + backward, [${n}, ${d}] × [${v}, ${d}]ᵀ${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}`);
      for (const c of cells) {
        const load = os.loadavg()[0];
        const base = ['--workload', 'linear-ce', '--runs', runs, '--warmup', warmup, '--budget', budget];
        const time = c.f.peer === 'torch' ? await torch(c.f, base) : await node(c.f, [...base, '--path', c.path]);
        time.loadavg = [load];
        if (time.error) warn(`${c.id} linear-ce time: ${time.error.split('\n')[0]}`);
        const memArgs = ['--workload', 'linear-ce', '--measure', 'memory', '--memory-steps', memSteps];
        const mem = round === 0 ? (c.f.peer === 'torch' ? await torch(c.f, memArgs) : await node(c.f, [...memArgs, '--path', c.path])) : res[c.id]?.memory;
        if (mem?.error) warn(`${c.id} linear-ce memory: ${mem.error.split('\n')[0]}`);
        const prev = res[c.id];
        res[c.id] = { ...c, f: undefined, framework: c.f.id, time: pool(prev?.time, time), memory: mem };
        const s = time.summary;
        const extra = mem?.memorySteps ? Math.max(...mem.memorySteps.map((x) => x.extraMiB)) : null;
        console.log(
          `  ${c.id.padEnd(30)} ${s ? `${msOrS(s.medianMs)} (${msOrS(s.minMs)}–${msOrS(s.maxMs)}), ${s.runs} steps` : time.skipped ? `skipped (${time.reason})` : 'error'}${extra != null ? `, extra peak ${fmt(extra)} MiB (${fmt(extra - outMiB)} beyond the ${fmt(outMiB)} MiB of gradients)` : ''}, load ${load.toFixed(1)}`,
        );
      }
    }
    // Checks: loss and gradients (dL/dh in full, every 16th row of dL/dW) against PyTorch's, or else the materialised path's.
    const refCell =
      Object.values(res).find((r) => r.framework === 'torch-1t' && r.time?.summary) ??
      Object.values(res).find((r) => r.path === 'materialised' && r.time?.summary);
    if (refCell) {
      const refDh = readOutput(`${refCell.time.output}__dh.f32`, Float32Array);
      const refDw = readOutput(`${refCell.time.output}__dw16.f32`, Float32Array);
      for (const r of Object.values(res)) {
        if (r === refCell || !r.time?.summary) continue;
        const lossRel = Math.abs(r.time.loss - refCell.time.loss) / Math.abs(refCell.time.loss);
        const dh = compareGrad(readOutput(`${r.time.output}__dh.f32`, Float32Array), refDh);
        const dw = compareGrad(readOutput(`${r.time.output}__dw16.f32`, Float32Array), refDw);
        r.check = { reference: refCell.id, lossRelErr: lossRel, dhMaxRelErr: dh.maxRel, dwMaxRelErr: dw.maxRel };
        r.check.ok = lossRel <= TOL.lossRel && dh.maxRel <= TOL.gradRel && dw.maxRel <= TOL.gradRel;
        if (!r.check.ok)
          warn(
            `${r.id} linear-ce disagrees with ${refCell.id}: loss rel. error ${lossRel.toExponential(2)}, dL/dh ${dh.maxRel.toExponential(2)}, dL/dW ${dw.maxRel.toExponential(2)} (of the largest entry)`,
          );
      }
    }
    out.results['linear-ce'] = res;
    const extraOf = (r) => (r?.memory?.memorySteps ? Math.max(...r.memory.memorySteps.map((x) => x.extraMiB)) : null);
    const rows = Object.values(res).map((r) => {
      const s = r.time?.summary;
      const e = extraOf(r);
      return [
        r.label,
        s ? `${msOrS(s.medianMs)} (${msOrS(s.minMs)}–${msOrS(s.maxMs)})` : r.time?.skipped ? 'skipped' : '—',
        e != null ? `${fmt(e)} MiB` : '—',
        e != null ? `${fmt(e - outMiB)} MiB` : '—',
        r.time?.rss ? `${fmt(r.time.rss.peakMiB)} MiB` : '—',
        r.check
          ? r.check.ok
            ? `ok (loss ${r.check.lossRelErr.toExponential(1)}, dW ${r.check.dwMaxRelErr.toExponential(1)})`
            : 'MISMATCH'
          : r === refCell
            ? 'reference'
            : '—',
      ];
    });
    out.tables.push({
      title: `linearCrossEntropy forward + backward, N = ${n}, D = ${d}, V = ${v.toLocaleString('en-US')}, float32`,
      md: table(
        [
          'path',
          'median time (min–max)',
          'extra peak RSS of a step',
          `… beyond the ${fmt(outMiB)} MiB of gradients`,
          'peak RSS of the timing process',
          'check',
        ],
        rows,
      ),
    });
    const ratioRows = [];
    for (const f of cols.filter((c) => c.ours)) {
      const fused = res[`${f.id}:fused`];
      const mat = res[`${f.id}:materialised`];
      const torchMat = res['torch-1t:materialised'];
      for (const [name, base] of [
        ['logitkit materialised', mat],
        ['PyTorch materialised', torchMat],
      ]) {
        if (!fused?.time?.summary || !base?.time?.summary) continue;
        const tq = fused.time.summary.medianMs / base.time.summary.medianMs;
        const ef = extraOf(fused);
        const eb = extraOf(base);
        const mq = ef != null && eb ? ef / eb : null;
        const mqx = ef != null && eb ? (ef - outMiB) / (eb - outMiB) : null;
        ratioRows.push([`${f.label} fused vs ${name}`, fmt(tq), mq != null ? fmt(mq) : '—', mqx != null ? fmt(mqx) : '—']);
        if (base === mat) {
          out.goals.push({
            ours: f.id,
            goal: `linearCrossEntropy: time ≤ ${GOALS.lceTime} × the materialised path`,
            met: tq <= GOALS.lceTime,
            ratio: tq,
            unitText: ' fused/materialised',
          });
          if (mqx != null)
            out.goals.push({
              ours: f.id,
              goal: `linearCrossEntropy: extra peak memory beyond the gradients ≤ 1/10 of the materialised path's`,
              met: mqx <= GOALS.lceMemory,
              ratio: mqx,
              unitText: ' fused/materialised',
            });
          if (mq != null)
            out.goals.push({
              ours: f.id,
              goal: `linearCrossEntropy: extra peak memory with the gradients ≤ 1/10 of the materialised path's`,
              met: mq <= GOALS.lceMemory,
              ratio: mq,
              unitText: ' fused/materialised',
            });
        }
      }
    }
    if (ratioRows.length)
      out.tables.push({
        title: 'linearCrossEntropy ratios, fused / materialised (goals: time ≤ 1.2, extra memory ≤ 0.1)',
        md: table(['comparison', 'time', 'extra peak memory, gradients counted', 'extra peak memory beyond the gradients'], ratioRows),
      });
  }
  return out;
}
