/** The two magic bytes that open every gzip stream (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip with the web-standard DecompressionStream, available in browsers and in Node ≥ 18,
 * so the playground and Node can share one code path when they want to.
 */
export async function gunzipWeb(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
