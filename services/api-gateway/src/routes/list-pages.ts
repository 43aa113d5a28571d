import { LIST_PAGE_DEFAULT, LIST_PAGE_MAX, type ListCursor } from "@jts/contracts";

/** `<time>:<id>` from a query string (checked against LIST_CURSOR_PATTERN already) as the rpc's cursor. */
export function parseListCursor(before: string | undefined): ListCursor | undefined {
  if (before === undefined) return undefined;
  const colon = before.indexOf(":");
  return { time: before.slice(0, colon), id: before.slice(colon + 1) };
}

/**
 * Up to `limit` items (LIST_PAGE_DEFAULT when absent) newest first after `before`, read
 * from the OMS in rpc pages of at most LIST_PAGE_MAX so that no NATS answer nears 1 MiB.
 * Each page continues from the last item of the one before, so the pages join without a
 * gap or a repeat; a short page is the end.
 */
export async function readListPages<T>(
  limit: number | undefined,
  before: string | undefined,
  readPage: (page: { limit: number; before?: ListCursor }) => Promise<T[]>,
  cursorOf: (item: T) => ListCursor,
): Promise<T[]> {
  const wanted = limit ?? LIST_PAGE_DEFAULT;
  const items: T[] = [];
  let cursor = parseListCursor(before);
  while (items.length < wanted) {
    const size = Math.min(LIST_PAGE_MAX, wanted - items.length);
    const page = await readPage({ limit: size, ...(cursor ? { before: cursor } : {}) });
    items.push(...page);
    const last = page.at(-1);
    if (page.length < size || !last) break;
    cursor = cursorOf(last);
  }
  return items;
}
