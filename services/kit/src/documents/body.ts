import { AppError } from "../errors.ts";

/**
 * A document body as the JSON the store keeps, made when the write is called:
 * a caller that edits its object before the write's promise settles does not
 * change what is stored (PostgreSQL's driver serialised on send, later). A
 * body JSON cannot carry (undefined, a function) is refused here rather than
 * stored unreadable.
 */
export function bodyJson(body: unknown): string {
  const json = JSON.stringify(body);
  if (json === undefined) throw new AppError("VALIDATION", "a document body must be a JSON value");
  return json;
}
