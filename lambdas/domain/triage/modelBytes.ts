/**
 * A byte field of a triage model, whichever way it arrives: base64 text in the model JSON (what tests and
 * local mode import), or raw bytes where a deployed bundle reads the model's binary sidecar instead
 * (lambdas/adapters/models/modelSidecar.ts). Undefined when it is neither: the caller names the field.
 */
export function modelBytesOf(value: unknown): Uint8Array | undefined {
  if (typeof value === 'string') {
    const decoded = Buffer.from(value, 'base64');
    // A plain view, not the Buffer: the models index bytes and never need Buffer's methods.
    return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
  }
  return value instanceof Uint8Array ? value : undefined;
}
