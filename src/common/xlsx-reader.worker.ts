import { parentPort, workerData } from 'node:worker_threads';
import { parseXlsx, XlsxError, type XlsxWorkerInput, type XlsxWorkerOutput } from './xlsx-reader';

// The worker thread of readXlsx: one file, one answer, then the thread ends.
const { file, maxRows } = workerData as XlsxWorkerInput;
let answer: XlsxWorkerOutput;
try {
  answer = {
    sheet: parseXlsx(Buffer.from(file.buffer, file.byteOffset, file.byteLength), maxRows),
  };
} catch (err) {
  if (!(err instanceof XlsxError)) throw err;
  answer = { error: err.message };
}
parentPort!.postMessage(answer);
