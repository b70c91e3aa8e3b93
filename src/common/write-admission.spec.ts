import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { WriteAdmission } from './write-admission';

const immediate = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteAdmission', () => {
  it('begins the first writes at once and the rest, in arrival order, a few per opening', async () => {
    const admission = new WriteAdmission(3);
    admission.readBegun(); // a read in flight: writes are held to the per-turn room
    const begun: number[] = [];
    for (let i = 0; i < 8; i++) admission.admit(() => begun.push(i));
    expect(begun).toEqual([0, 1, 2]);
    expect(admission.waitingCount).toBe(5);

    const seen: number[][] = [];
    for (let turn = 0; turn < 8 && admission.waitingCount > 0; turn++) {
      await immediate();
      seen.push([...begun]);
    }
    expect(begun).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // never more than three begun at one opening
    const counts = seen.map((b, i) => b.length - (i === 0 ? 3 : seen[i - 1].length));
    expect(Math.max(...counts)).toBe(3);
    expect(counts.filter((c) => c > 0)).toEqual([3, 2]);
  });

  it('a write arriving while others wait queues behind them, even if the turn had room', async () => {
    const admission = new WriteAdmission(2);
    admission.readBegun(); // a read in flight: writes are held to the per-turn room
    const begun: string[] = [];
    for (const w of ['a', 'b', 'c']) admission.admit(() => begun.push(w));
    while (admission.waitingCount > 0) await immediate();
    expect(begun).toEqual(['a', 'b', 'c']); // c began at the opening, alone
    // the opening's room is taken by c and one more: d begins at once, e and f wait
    for (const w of ['d', 'e', 'f']) admission.admit(() => begun.push(w));
    expect(begun).toEqual(['a', 'b', 'c', 'd']);
    expect(admission.waitingCount).toBe(2);
    while (admission.waitingCount > 0) await immediate();
    expect(begun).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('lets what the network brought in meanwhile run before the writes that waited', async () => {
    // a loopback connection: data written now is read in the event loop's I/O phase
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const peer = await accepted;
    try {
      const order: string[] = [];
      const admission = new WriteAdmission(1);
      admission.readBegun(); // a read in flight: writes are held to the per-turn room
      const read = new Promise<void>((resolve) =>
        peer.once('data', () => {
          order.push('read');
          resolve();
        }),
      );
      admission.admit(() => order.push('write 1'));
      admission.admit(() => order.push('write 2'));
      client.write('GET');
      await read;
      while (admission.waitingCount > 0) await immediate();
      expect(order).toEqual(['write 1', 'read', 'write 2']);
    } finally {
      client.destroy();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps no timer once nothing waits', async () => {
    const admission = new WriteAdmission(1);
    admission.readBegun(); // a read in flight: writes are held to the per-turn room
    const begun: number[] = [];
    for (let i = 0; i < 3; i++) admission.admit(() => begun.push(i));
    for (let turn = 0; turn < 10; turn++) await immediate();
    expect(begun).toEqual([0, 1, 2]);
    // ten more turns: the only immediates set are this test's own
    const spy = jest.spyOn(global, 'setImmediate');
    try {
      for (let turn = 0; turn < 10; turn++) await immediate();
      expect(spy).toHaveBeenCalledTimes(10);
    } finally {
      spy.mockRestore();
    }
  });

  it('with no read in flight begins every waiting write at once, up to the room alone', async () => {
    const admission = new WriteAdmission(2, 5);
    const begun: number[] = [];
    for (let i = 0; i < 7; i++) admission.admit(() => begun.push(i));
    expect(begun).toEqual([0, 1, 2, 3, 4]);
    await immediate();
    await immediate();
    expect(begun).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // a read begins: two a turn again; answered, all at once again
    admission.readBegun();
    for (let i = 7; i < 12; i++) admission.admit(() => begun.push(i));
    while (admission.waitingCount > 0) {
      const before = begun.length;
      await immediate();
      expect(begun.length - before).toBeLessThanOrEqual(2);
    }
    admission.readDone();
    admission.readDone(); // never fewer than none in flight
    for (let i = 12; i < 17; i++) admission.admit(() => begun.push(i));
    while (admission.waitingCount > 0) await immediate();
    expect(begun.slice(12)).toEqual([12, 13, 14, 15, 16]);
  });

  it('refuses a room that is not a positive integer', () => {
    expect(() => new WriteAdmission(0)).toThrow(/positive integer/);
    expect(() => new WriteAdmission(1.5)).toThrow(/positive integer/);
  });
});
