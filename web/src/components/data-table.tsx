import { For, type JSX, Show } from "solid-js";
import { EmptyRow } from "./empty-row.tsx";

/** A column's header: `class` goes on the header cell (`num` right-aligns, `hide-narrow`/`wide-only` hide it). */
export interface Column {
  title: JSX.Element;
  class?: string;
}

/** The rows of a table: one `row` a item, and while there are none the `empty` text across every column. */
interface RowsProps<T> {
  columns: Column[];
  rows: readonly T[];
  empty?: string;
  children: (row: T) => JSX.Element;
}

function TableBody<T>(props: RowsProps<T>) {
  return (
    <>
      <thead>
        <tr>
          <For each={props.columns}>
            {(column) => (
              <th scope="col" class={column.class}>
                {column.title}
              </th>
            )}
          </For>
        </tr>
      </thead>
      <tbody>
        <For
          each={props.rows}
          fallback={
            <Show when={props.empty}>{(text) => <EmptyRow columns={props.columns.length} text={text()} />}</Show>
          }
        >
          {(row) => props.children(row)}
        </For>
      </tbody>
    </>
  );
}

/**
 * A table in its labelled scroll region, so a phone scrolls the table and not the page.
 * `focusable` (default true) lets the keyboard scroll it; a table whose rows hold buttons has no need.
 */
export function DataTable<T>(props: RowsProps<T> & { label: string; focusable?: boolean }) {
  return (
    <section class="table-scroll" aria-label={props.label} tabindex={props.focusable === false ? undefined : "0"}>
      <table>
        <TableBody columns={props.columns} rows={props.rows} empty={props.empty}>
          {props.children}
        </TableBody>
      </table>
    </section>
  );
}

/** A small table inside a card or panel, without a scroll region of its own. */
export function CompactTable<T>(props: RowsProps<T> & { caption?: string }) {
  return (
    <table class="compact">
      <Show when={props.caption}>{(caption) => <caption>{caption()}</caption>}</Show>
      <TableBody columns={props.columns} rows={props.rows} empty={props.empty}>
        {props.children}
      </TableBody>
    </table>
  );
}
