/**
 * Takes the bytes of `memory` away from every view of it at once, as unmapping a dataspace does:
 * afterwards each view has length 0, reads give `undefined` and writes go nowhere.
 *
 * Detaching does this without touching page permissions. A resizable buffer's `resize(0)` does the
 * same for length-tracking views but costs 7-36 µs a call (Node 24, Node 20), against 0.2-3 µs here.
 */
export const releaseMemory: (memory: ArrayBuffer) => void =
  // `ArrayBuffer.prototype.transfer` where the engine has it (Node 21+), else a structured clone that transfers
  typeof (ArrayBuffer.prototype as Partial<ArrayBuffer>).transfer === 'function'
    ? (memory) => {
        if (!memory.detached) memory.transfer(0);
      }
    : (memory) => {
        if (memory.byteLength > 0) structuredClone(memory, { transfer: [memory] });
      };
