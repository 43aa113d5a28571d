import { describe, expect, mock, test } from "bun:test";

const { createSignal, mount, useDom } = await import("./dom.ts");
useDom();
const { DataTable, CompactTable } = await import("../src/components/data-table.tsx");
const { TextField, SelectField, FormActions } = await import("../src/components/form.tsx");
const { ErrorAlert, StatusMessage } = await import("../src/components/message.tsx");

const COLUMNS = [{ title: "Symbol" }, { title: "Qty", class: "num" }, { title: "Time", class: "hide-narrow" }];

describe("shared table", () => {
  test("one header cell a column with its class, rows from the render function, a focusable scroll region", () => {
    const t = mount(() =>
      DataTable({
        label: "Positions",
        columns: COLUMNS,
        rows: ["BTC-KRW", "005930"],
        empty: "No positions",
        children: (symbol: string) => {
          const row = document.createElement("tr");
          row.textContent = symbol;
          return row;
        },
      }),
    );
    const region = t.$("section.table-scroll");
    expect(region.getAttribute("aria-label")).toBe("Positions");
    expect(region.getAttribute("tabindex")).toBe("0");
    const heads = [...t.root.querySelectorAll("thead th")];
    expect(heads.map((th) => [th.textContent, th.getAttribute("scope"), th.getAttribute("class")])).toEqual([
      ["Symbol", "col", null],
      ["Qty", "col", "num"],
      ["Time", "col", "hide-narrow"],
    ]);
    expect([...t.root.querySelectorAll("tbody tr")].map((tr) => tr.textContent)).toEqual(["BTC-KRW", "005930"]);
  });

  test("without rows the empty text spans every column; without an empty text the body stays empty", () => {
    const [rows, setRows] = createSignal<string[]>([]);
    const t = mount(() =>
      DataTable({
        label: "Fills",
        focusable: false,
        columns: COLUMNS,
        get rows() {
          return rows();
        },
        empty: "No fills yet",
        children: () => document.createElement("tr"),
      }),
    );
    expect(t.$("section.table-scroll").hasAttribute("tabindex")).toBe(false);
    const cell = t.$<HTMLTableCellElement>("tbody td.empty");
    expect(cell.textContent).toBe("No fills yet");
    expect(cell.colSpan).toBe(3);
    setRows(["x"]);
    expect(t.root.querySelector("tbody td.empty")).toBeNull();

    const compact = mount(() =>
      CompactTable({
        caption: "Per account",
        columns: COLUMNS,
        rows: [],
        children: () => document.createElement("tr"),
      }),
    );
    expect(compact.$("table.compact caption").textContent).toBe("Per account");
    expect(compact.root.querySelectorAll("tbody tr")).toHaveLength(0);
  });
});

describe("shared form pieces", () => {
  test("a text field reports every keystroke; the actions go back or submit, disabled on request", () => {
    const [value, setValue] = createSignal("1");
    const back = mock(() => {});
    const submitted = mock((event: Event) => event.preventDefault());
    const t = mount(() => {
      const form = document.createElement("form");
      form.addEventListener("submit", submitted);
      form.append(
        TextField({
          label: "Quantity",
          name: "quantity",
          inputmode: "decimal",
          get value() {
            return value();
          },
          onValue: setValue,
        }) as Node,
        FormActions({ submit: "Save", onBack: back, tone: "danger", disabled: false }) as Node,
      );
      return form;
    });
    const input = t.$<HTMLInputElement>("label.field input[name=quantity]");
    expect(t.$("label.field span").textContent).toBe("Quantity");
    expect(input.getAttribute("inputmode")).toBe("decimal");
    expect(input.hasAttribute("type")).toBe(false);
    t.type("quantity", "2.5");
    expect(value()).toBe("2.5");
    t.button("Back")?.click();
    expect(back).toHaveBeenCalledTimes(1);
    const save = t.button("Save") as HTMLButtonElement;
    expect(save.type).toBe("submit");
    expect(save.className).toBe("button button--danger");
    save.click();
    expect(submitted).toHaveBeenCalledTimes(1);
  });

  test("a select shows the chosen option and reports a new choice", () => {
    const [scope, setScope] = createSignal("b");
    const t = mount(() =>
      SelectField({
        label: "Scope",
        name: "scope",
        choices: [
          { value: "", label: "Whole platform" },
          { value: "b", label: "Account b" },
        ],
        get selected() {
          return scope();
        },
        onValue: setScope,
      }),
    );
    const select = t.$<HTMLSelectElement>("label.field select[name=scope]");
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ["", "Whole platform"],
      ["b", "Account b"],
    ]);
    expect(select.value).toBe("b");
    t.choose("scope", "");
    expect(scope()).toBe("");
  });

  test("an error is an alert only while there is one; a status is polite when it worked", () => {
    const [error, setError] = createSignal<string | null>(null);
    const t = mount(() =>
      ErrorAlert({
        get text() {
          return error();
        },
      }),
    );
    expect(t.root.querySelector("[role=alert]")).toBeNull();
    setError("offline");
    expect(t.$("p.message--error[role=alert]").textContent).toBe("offline");

    const ok = mount(() => StatusMessage({ status: { ok: true, text: "Limits saved" } }));
    expect(ok.$("p").getAttribute("role")).toBe("status");
    expect(ok.$("p").className).toBe("message");
  });
});
