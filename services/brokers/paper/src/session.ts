/** When a DAY order placed at `tsNs` on `venue` expires, in ns since the epoch. */
export type SessionEnd = (venue: string, tsNs: bigint) => bigint;

const DAY_NS = 86_400n * 1_000_000_000n;

/** Crypto trades around the clock: its "day" ends at the next UTC midnight. */
export const utcMidnight: SessionEnd = (_venue, tsNs) => (tsNs / DAY_NS + 1n) * DAY_NS;
