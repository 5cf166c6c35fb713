/**
 * The ONNX schema the library loads (src/io/onnx/onnx-schema.generated.ts) is the vendored official onnx.proto3
 * compiled by protobufjs (scripts/onnx-schema.mjs), and the enum numbers the exporter uses are the schema's.
 */
import { describe, expect, it } from 'vitest';
import { ONNX_SCHEMA_JSON } from '../../../src/io/onnx/onnx-schema.generated.js';
import { AttributeType, DataType, onnxRoot } from '../../../src/io/onnx/schema.js';
// @ts-expect-error: a plain .mjs script without types
import { schemaJson } from '../../../scripts/onnx-schema.mjs';

describe('ONNX schema', () => {
  it('the generated module is assets/onnx/onnx.proto3 as protobufjs compiles it (run node scripts/onnx-schema.mjs when it is not)', () => {
    expect(JSON.parse(JSON.stringify(ONNX_SCHEMA_JSON))).toEqual(JSON.parse(JSON.stringify(schemaJson())));
  });

  it('DataType and AttributeType match the schema enums', () => {
    const dataType = onnxRoot.lookupEnum('onnx.TensorProto.DataType').values;
    for (const [name, value] of Object.entries(DataType)) expect(dataType[name], name).toBe(value);
    const attributeType = onnxRoot.lookupEnum('onnx.AttributeProto.AttributeType').values;
    for (const [name, value] of Object.entries(AttributeType)) expect(attributeType[name], name).toBe(value);
  });
});
