/**
 * Why an ONNX file was rejected (decoding, bounds, or an unsupported graph). `source` names the file or the
 * argument; `reason` says what was wrong. The message carries both.
 */
export class OnnxFileError extends Error {
  override readonly name = 'OnnxFileError';
  constructor(
    readonly op: string,
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${op}: ${source} is not a valid ONNX model: ${reason}`);
  }
}
