/** Time-ordered unique ids (UUIDv7): sortable, safe as event and order ids. */
export function newId(): string {
  return Bun.randomUUIDv7();
}
