import { mnistArrays } from './mnist.js';

/**
 * Real MNIST digits as a numeric table: each 28x28 image averaged over 4x4 blocks into 7x7 = 49
 * features (a table a user could upload), rounded to 3 decimals so a CSV round trip is exact.
 */
export interface MnistTable {
  rows: number[][];
  labels: string[];
  csv: Buffer;
}

const SIDE = 7;
const BLOCK = 4;

export function mnistTable(digits: number[], perDigit: number, offset: number): MnistTable {
  const { features, labels } = mnistArrays(digits, perDigit, offset);
  const rows: number[][] = [];
  for (let n = 0; n < labels.length; n++) {
    const row: number[] = [];
    for (let by = 0; by < SIDE; by++) {
      for (let bx = 0; bx < SIDE; bx++) {
        let sum = 0;
        for (let y = 0; y < BLOCK; y++) {
          for (let x = 0; x < BLOCK; x++)
            sum += features[n * 784 + (by * BLOCK + y) * 28 + bx * BLOCK + x] ?? 0;
        }
        row.push(Math.round((sum / (BLOCK * BLOCK)) * 1000) / 1000);
      }
    }
    rows.push(row);
  }
  const names = labels.map((l) => `d${digits[l]}`);
  return { rows, labels: names, csv: tableCsv(rows, names) };
}

/** The CSV a user would upload: p0..pN feature columns, then the label. */
export function tableCsv(rows: readonly number[][], labels: readonly string[]): Buffer {
  const header = [...Array.from({ length: rows[0]?.length ?? 0 }, (_, i) => `p${i}`), 'label'].join(',');
  return Buffer.from([header, ...rows.map((r, i) => `${r.join(',')},${labels[i]}`)].join('\n') + '\n');
}
