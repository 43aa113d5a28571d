import type { Position } from "@jts/contracts";
import { oldestKeyDropper } from "@jts/kit";
import { type PositionState, positionKey, toPosition } from "./ledger.ts";

/** Account filters remembered; past this, the oldest is forgotten (its next read builds its list again). */
const MAX_LISTS = 1000;

/** What toPosition reads of a state: the same values give the same wire position. */
const sameState = (a: PositionState, b: PositionState) =>
  a.quantity === b.quantity &&
  a.averagePrice === b.averagePrice &&
  a.realized === b.realized &&
  a.lastPrice === b.lastPrice &&
  a.updatedAt === b.updatedAt &&
  a.venue === b.venue &&
  a.currency === b.currency;

/**
 * The wire positions of the memory read (the gateway's GET /api/positions, the
 * PWA's poll), built once per state: formatting the decimals costs more than
 * the rest of the read. A position whose state (fills, mark) has not changed
 * since it was last formatted answers the same frozen object, and a list whose
 * positions are all the same answers the same frozen array, so an in-process
 * caller can keep what it derives from it (its contract check, its JSON) by
 * identity until something changes. Any change gives a new object: a new fill
 * or mark, a reload of the stored books, another account filter.
 */
export class PositionsView {
  private readonly formatted = new Map<string, { state: PositionState; position: Position }>();
  private readonly lists = new Map<string, readonly Position[]>();
  private readonly dropOldestList = oldestKeyDropper(this.lists);

  /** `states` as wire positions, frozen; the array is the one answered before when nothing in it changed. */
  of(accounts: readonly string[] | undefined, states: readonly PositionState[]): Position[] {
    const listKey = accounts === undefined ? "*" : accounts.join("\n");
    const previous = this.lists.get(listKey);
    let same = previous !== undefined && previous.length === states.length;
    const positions = states.map((state, i) => {
      const position = this.position(state);
      if (same && previous?.[i] !== position) same = false;
      return position;
    });
    if (same && previous) return previous as Position[];
    Object.freeze(positions);
    if (!this.lists.has(listKey) && this.lists.size >= MAX_LISTS) this.dropOldestList();
    this.lists.set(listKey, positions);
    return positions;
  }

  private position(state: PositionState): Position {
    // An empty updatedAt is formatted as "now" (toPosition): never the same twice.
    if (state.updatedAt === "") return Object.freeze(toPosition(state));
    const key = positionKey(state.account, state.symbol);
    const known = this.formatted.get(key);
    if (known && sameState(known.state, state)) return known.position;
    const position = Object.freeze(toPosition(state));
    this.formatted.set(key, { state: { ...state }, position });
    return position;
  }
}
