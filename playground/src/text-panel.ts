/**
 * Text: type a sentence, see its tokens coloured by their share of the winning logit, the logits, the
 * probabilities and the decision. The model is trained here on the example corpus (text-corpus.ts; the library's
 * textClassifier, float64, so the shares add up to the logits to ~1e-15) or loaded from a `.lkm` text model
 * (`logitkit train --data csv:FILE --text-column ...`). Every number comes from the library's explainText.
 */
import { explainText, modelFromBytes, optimizers, tensor, textClassifier, type Model, type TextArchitecture, type TextExplanation } from '../../src/index.js';
import { byTestId, h, setNumber } from './dom.js';
import { raw, short } from './format.js';
import { SEED_SENTENCE, TEXT_CLASSES, TEXT_CORPUS, TEXT_EXAMPLES } from './text-corpus.js';

/** The page's training recipe: the corpus is tiny, so a high learning rate and many epochs take a moment only. */
const RECIPE = { epochs: 60, batchSize: 16, learningRate: 0.05, seed: 1 } as const;

export function mountTextPanel(root: HTMLElement): void {
  const input = byTestId<HTMLTextAreaElement>(root, 'text-input');
  const examples = byTestId(root, 'text-examples');
  const archSelect = byTestId<HTMLSelectElement>(root, 'text-arch');
  const trainBtn = byTestId<HTMLButtonElement>(root, 'text-train');
  const fileInput = byTestId<HTMLInputElement>(root, 'text-model-file');
  const statusEl = byTestId(root, 'text-status');
  const tokensEl = byTestId(root, 'text-tokens');
  const rows = byTestId<HTMLTableSectionElement>(root, 'text-rows');
  const decisionEl = byTestId(root, 'text-decision');
  const checkEl = byTestId(root, 'text-check');
  const corpusEl = byTestId(root, 'text-corpus');

  let model: Model | null = null;
  input.value = SEED_SENTENCE;
  TEXT_EXAMPLES.forEach((sentence, i) => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-testid': `text-example-${i}`, title: sentence }, i === 0 ? 'Seed 002' : `Example ${i}`);
    b.addEventListener('click', () => {
      input.value = sentence;
      update();
    });
    examples.append(b);
  });
  corpusEl.append(h('ul', { class: 'corpus' }, ...TEXT_CORPUS.map((t) => h('li', {}, h('span', { class: 'sub' }, `${TEXT_CLASSES[t.label]}: `), t.text))));

  function setStatus(text: string, state: 'empty' | 'training' | 'ready' | 'error'): void {
    statusEl.textContent = text;
    statusEl.setAttribute('data-state', state);
  }

  async function trainHere(): Promise<void> {
    trainBtn.disabled = true;
    const arch = archSelect.value as TextArchitecture;
    setStatus(`Training a ${arch} model on the ${TEXT_CORPUS.length} example sentences…`, 'training');
    try {
      const texts = TEXT_CORPUS.map((t) => t.text);
      const labels = tensor(
        TEXT_CORPUS.map((t) => t.label),
        { dtype: 'int32' },
      );
      const net = textClassifier(texts, TEXT_CLASSES.length, { arch, dtype: 'float64', seed: RECIPE.seed });
      net.classNames = [...TEXT_CLASSES];
      net.compile({ optimizer: optimizers.adam({ learningRate: RECIPE.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const history = await net.fit(texts, labels, { epochs: RECIPE.epochs, batchSize: RECIPE.batchSize, shuffle: true, seed: RECIPE.seed, verbose: 0 });
      const acc = history.history.acc?.at(-1);
      model = net;
      setStatus(
        `Trained here: ${arch}, ${net.textVectorization!.vocabularySize()} vocabulary entries, ${RECIPE.epochs} epochs (Adam ${RECIPE.learningRate}), training accuracy ${acc === undefined ? '?' : short(acc)}.`,
        'ready',
      );
    } catch (e) {
      setStatus(`Training failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
    } finally {
      trainBtn.disabled = false;
    }
    update();
  }

  async function load(file: File): Promise<void> {
    try {
      const net = modelFromBytes(new Uint8Array(await file.arrayBuffer()), { source: `file '${file.name}'` });
      if (!net.textVectorization) throw new Error('not a text model: its input is not raw strings (train one with --text-column, tsv:, jsonl: or dir: data)');
      model = net;
      setStatus(
        `Loaded ${file.name}: ${net.textVectorization.outputMode} input, ${net.textVectorization.vocabularySize()} vocabulary entries, classes ${(net.classNames ?? []).join(', ') || '(unnamed)'}.`,
        'ready',
      );
    } catch (e) {
      setStatus(`Could not load ${file.name}: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
    update();
  }

  function update(): void {
    tokensEl.replaceChildren();
    rows.replaceChildren();
    decisionEl.textContent = '';
    checkEl.textContent = '';
    if (!model) return;
    let e: TextExplanation;
    try {
      e = explainText(model, input.value);
    } catch (err) {
      checkEl.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    renderTokens(e);
    renderRows(e);
    decisionEl.textContent = e.classNames[e.predicted]!;
    decisionEl.setAttribute('data-value', String(e.predicted));
    checkEl.replaceChildren(
      e.method,
      h('br'),
      'max over classes |Σ token shares + b − z| = ',
      h('output', { 'data-testid': 'text-residual', 'data-value': raw(e.residual, 'float64') }, short(e.residual)),
      e.truncated > 0 ? ` (${e.truncated} tokens beyond the model's sequence length are not read)` : '',
    );
  }

  function renderTokens(e: TextExplanation): void {
    const k = e.predicted;
    const scale = Math.max(1e-300, ...e.tokens.map((t) => Math.abs(t.contributions[k]!)));
    if (e.tokens.length === 0) tokensEl.append(h('span', { class: 'sub' }, 'No tokens: the text has no words the tokenizer keeps.'));
    e.tokens.forEach((t, i) => {
      const c = t.contributions[k]!;
      const alpha = Math.min(1, Math.abs(c) / scale);
      const colour = c >= 0 ? `rgba(22, 163, 74, ${0.15 + 0.65 * alpha})` : `rgba(220, 38, 38, ${0.15 + 0.65 * alpha})`;
      const title = e.classNames.map((name, j) => `${name}: ${c >= 0 && j === k ? '+' : ''}${short(t.contributions[j]!)}`).join('\n');
      tokensEl.append(
        h(
          'span',
          {
            class: `token ${c >= 0 ? 'pos' : 'neg'}`,
            style: `background: ${colour}`,
            title: `${t.token}\n${title}`,
            'data-testid': `text-token-${i}`,
            'data-token': t.token,
            'data-contributions': JSON.stringify(t.contributions),
          },
          t.token,
        ),
      );
    });
  }

  function renderRows(e: TextExplanation): void {
    e.classNames.forEach((name, j) => {
      const shares = e.tokens.reduce((s, t) => s + t.contributions[j]!, 0);
      const cell = (id: string, v: number) => {
        const out = h('td', { 'data-testid': id, class: 'num' });
        setNumber(out, short(v), raw(v, 'float64'));
        return out;
      };
      rows.append(
        h(
          'tr',
          { class: j === e.predicted ? 'decided' : undefined, 'data-testid': `text-row-${j}` },
          h('th', { scope: 'row' }, name),
          cell(`text-shares-${j}`, shares),
          cell(`text-bias-${j}`, e.bias[j]!),
          cell(`text-logit-${j}`, e.logits[j]!),
          cell(`text-p-${j}`, e.probabilities[j]!),
        ),
      );
    });
  }

  input.addEventListener('input', update);
  trainBtn.addEventListener('click', () => void trainHere());
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void load(file);
  });
  setStatus('No model yet: train one on the example sentences, or load a text model file.', 'empty');
}
