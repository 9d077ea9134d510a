// The download host lends pre-filled buffers (SeededChunks) instead of generating every byte: what
// it serves must stay byte for byte the seeded file (the copies are checked against seededChunk),
// for chunks starting anywhere in a block, including inside a block's 8-byte header, and while
// earlier chunks of the same pool are still unreleased (on their way to a socket).
import { SeededChunks, seededChunk } from '../../../infra/local/simulator/seeded-bytes.ts';

const BLOCK = 64 * 1024;

test.each([4096, 20_000, 256 * 1024])('chunks of %i bytes equal the seeded file wherever they start, reused or not', (chunkSize) => {
  const pool = new SeededChunks('seeded-chunks-test', chunkSize);
  const starts = [0, 3, 7, 8, BLOCK - 1, BLOCK, BLOCK + 5, 7 * BLOCK - 2, 2 ** 32 * BLOCK + 6, 5_000_000_017];
  const lent: Buffer[] = [];
  for (const start of starts) {
    for (const length of [1, 9, chunkSize - 1, chunkSize]) {
      const chunk = pool.take(start, length);
      expect(chunk.equals(seededChunk('seeded-chunks-test', start, length))).toBe(true);
      lent.push(chunk);
    }
    // Give back every other chunk: the next takes reuse those buffers while the rest stay lent.
    for (const chunk of lent.splice(0).filter((_, i) => i % 2 === 0)) pool.release(chunk);
  }
});

test('a chunk still lent is not overwritten by the chunks taken after it', () => {
  const pool = new SeededChunks('seeded-chunks-lent', BLOCK);
  const first = pool.take(3 * BLOCK + 2, BLOCK);
  const expected = Buffer.from(first);
  for (let i = 0; i < 8; i += 1) pool.release(pool.take(i * BLOCK, BLOCK));
  expect(first.equals(expected)).toBe(true);
});
