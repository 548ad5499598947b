/**
 * The exact in-memory index of one partition: 128-bit key hash -> the stored winner's event time.
 * An open-addressing hash table with linear probing over typed arrays: 4 Int32 words of key and one
 * Float64 time per slot, 24 bytes a slot; kept between 3/8 and 3/4 full, so 32-64 bytes a key.
 *
 * It decides the common cases without reading the store: a key it does not hold is new (exact: it
 * holds every stored key of the partition); a copy later than the stored winner is a duplicate; an
 * earlier one replaces it. A copy with the same time is decided by the store (the rest of the rank
 * is there). Changes made while a transaction is open are journaled and undone if it rolls back.
 */
export class WinnerIndex {
  private keys: Int32Array;
  private times: Float64Array;
  private mask: number;
  private used = 0;
  /** (slot, previous time; NaN: the slot was empty) of the open transaction, in order. */
  private journalSlots: number[] = [];
  private journalTimes: number[] = [];

  constructor(capacity = 1024) {
    let slots = 1024;
    while (slots * 0.75 < capacity) slots *= 2;
    this.keys = new Int32Array(slots * 4);
    this.times = new Float64Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.used;
  }

  get bytes(): number {
    return this.keys.byteLength + this.times.byteLength;
  }

  /** The slot holding `key`, or -1 - (the empty slot where it would go). */
  find(key: Int32Array): number {
    const k = this.keys;
    const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
    let slot = (k0 ^ k2) & this.mask;
    for (;;) {
      const at = slot * 4;
      const w3 = k[at + 3];
      if (w3 === 0) return -1 - slot;
      if (w3 === k3 && k[at] === k0 && k[at + 1] === k1 && k[at + 2] === k2) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  time(slot: number): number {
    return this.times[slot];
  }

  /** Puts a new key into the empty slot `find` returned (as -1 - slot); journaled. */
  insert(emptySlot: number, key: Int32Array, time: number): number {
    const at = emptySlot * 4;
    this.keys[at] = key[0];
    this.keys[at + 1] = key[1];
    this.keys[at + 2] = key[2];
    this.keys[at + 3] = key[3];
    this.times[emptySlot] = time;
    this.used++;
    this.journalSlots.push(emptySlot);
    this.journalTimes.push(NaN);
    return emptySlot;
  }

  /** A replacement's earlier time; journaled. */
  setTime(slot: number, time: number): void {
    this.journalSlots.push(slot);
    this.journalTimes.push(this.times[slot]);
    this.times[slot] = time;
  }

  /**
   * Makes room for `more` keys before a transaction (growing rehashes, which moves slots, so it
   * never happens while one is open).
   */
  reserve(more: number): void {
    if (this.journalSlots.length > 0) throw new Error('WinnerIndex.reserve inside a transaction');
    const slots = this.mask + 1;
    if ((this.used + more) <= slots * 0.75) return;
    let next = slots;
    while ((this.used + more) > next * 0.75) next *= 2;
    const oldKeys = this.keys;
    const oldTimes = this.times;
    this.keys = new Int32Array(next * 4);
    this.times = new Float64Array(next);
    this.mask = next - 1;
    this.used = 0;
    const key = new Int32Array(4);
    for (let s = 0; s < slots; s++) {
      if (oldKeys[s * 4 + 3] === 0) continue;
      key.set(oldKeys.subarray(s * 4, s * 4 + 4));
      this.insert(-1 - this.find(key), key, oldTimes[s]);
    }
    this.commit();
  }

  /** The transaction committed: keep its changes. */
  commit(): void {
    this.journalSlots = [];
    this.journalTimes = [];
  }

  /** The transaction rolled back: undo its changes, newest first (which restores every probe chain). */
  rollback(): void {
    for (let i = this.journalSlots.length - 1; i >= 0; i--) {
      const slot = this.journalSlots[i];
      const time = this.journalTimes[i];
      if (Number.isNaN(time)) {
        this.keys.fill(0, slot * 4, slot * 4 + 4);
        this.times[slot] = 0;
        this.used--;
      } else {
        this.times[slot] = time;
      }
    }
    this.commit();
  }
}
