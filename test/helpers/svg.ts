/**
 * A strict well-formedness check of a standalone SVG document (XML 1.0 without DTDs): one root <svg> in the SVG
 * namespace, every element closed in order, attributes quoted and unique, text and attribute values free of raw
 * '<' and of '&' other than the five predefined entities and character references. Returns the element names
 * in document order, so tests can count what was drawn.
 */
export function checkSvg(text: string): string[] {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (s: string, where: string) => {
    if (/[<]/.test(s) || /&/.test(s.replace(entity, ''))) throw new Error(`raw '<' or '&' in ${where}: ${s.slice(0, 80)}`);
  };
  const stack: string[] = [];
  const names: string[] = [];
  let pos = 0;
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  while (pos < body.length) {
    const lt = body.indexOf('<', pos);
    const textPart = body.slice(pos, lt < 0 ? body.length : lt);
    if (stack.length === 0 && textPart.trim() !== '') throw new Error(`text outside the root element: ${textPart.slice(0, 80)}`);
    checkText(textPart, 'text');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`malformed tag at ${lt}: ${body.slice(lt, lt + 80)}`);
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      if (attrs.trim() || selfClosing) throw new Error(`malformed closing tag </${name}>`);
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
      const seen = new Set<string>();
      for (const a of attrs.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
        if (seen.has(a[1])) throw new Error(`attribute ${a[1]} twice in <${name}>`);
        seen.add(a[1]);
        checkText(a[3] ?? a[4], `attribute ${a[1]} of <${name}>`);
      }
      if (stack.length === 0 && (name !== 'svg' || !/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(attrs)))
        throw new Error('the root is not an <svg> in the SVG namespace');
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
    pos = tag.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
  return names;
}
