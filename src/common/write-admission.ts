/**
 * Write requests begun per turn of the event loop, at most, while reads are being served
 * (docs/performance.md).
 *
 * Under write load the answers of a committed group go out together and their clients' next
 * requests come back together: dozens of write requests read in one I/O phase, each parsed,
 * authenticated and validated before the event loop looked at the network again, so a read that
 * arrived meanwhile waited for all of them before its first line ran. Four at a time gave reads
 * the shortest tail without costing writes their throughput (measured in docs/performance.md).
 * With no read in flight nothing is protected by the limit, and it only kept the SQLite groups
 * small (four transactions to an fsync): then every waiting write begins, up to `WRITES_ALONE`.
 */
export const WRITES_PER_TURN = 4;
/** Writes begun per turn while no read is in flight: a full SQLite group (src/db/sqlite.ts). */
export const WRITES_ALONE = 32;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request that may change state: any method but GET, HEAD and OPTIONS. */
export function isWriteMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Lets write requests begin at most `perTurn` at a time while reads are in flight (else
 * `alone`), in the order they arrived: the first ones at once, the rest at the next opening, which comes only after the event loop has read
 * the network again, so the reads (never held here) that arrived meanwhile run first. While
 * writes wait, an opening comes every other turn and begins the next `perTurn`; a write that
 * waits is never dropped. Idle, it keeps no timer.
 */
export class WriteAdmission {
  private readonly waiting: (() => void)[] = [];
  private begun = 0;
  private scheduled = false;
  /** Reads begun and not yet answered (`readBegun`, `readDone`). */
  private reads = 0;

  constructor(
    private readonly perTurn = WRITES_PER_TURN,
    private readonly alone = Math.max(perTurn, WRITES_ALONE),
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1) {
      throw new Error(`writes per turn must be a positive integer: ${perTurn}`);
    }
  }

  /** A read request began: writes go back to `perTurn` a turn until it is answered. */
  readBegun(): void {
    this.reads += 1;
  }

  /** A read request was answered (or its client went away). */
  readDone(): void {
    if (this.reads > 0) this.reads -= 1;
  }

  private get limit(): number {
    return this.reads > 0 ? this.perTurn : this.alone;
  }

  /** Writes waiting for a later opening. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Calls `begin` now if this turn has room and none waits before it, else in a later turn. */
  admit(begin: () => void): void {
    if (this.begun < this.limit && this.waiting.length === 0) {
      this.begun += 1;
      begin();
    } else {
      this.waiting.push(begin);
    }
    this.schedule();
  }

  /**
   * The next opening. Two hops: an immediate set during the I/O phase runs in this turn's check
   * phase, before the network is read again; the second runs after the next I/O phase.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => setImmediate(() => this.nextTurn()));
  }

  private nextTurn(): void {
    this.scheduled = false;
    const now = this.waiting.splice(0, this.limit);
    this.begun = now.length;
    for (const begin of now) begin();
    if (this.begun > 0) this.schedule();
  }
}
