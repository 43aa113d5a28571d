/**
 * A browser-like world for component tests under `bun test`: happy-dom's
 * window as the globals, Solid's browser build (Bun would pick its server
 * build, where nothing is reactive), and .tsx compiled by Solid's own Babel
 * preset as Vite does (Bun's JSX transform emits React-style calls).
 * Bun's runtime plugins get onLoad but not onResolve for these imports, so
 * the loaded code's `solid-js` specifiers are rewritten to the browser files.
 * Import this first, call `useDom()`, then import components dynamically (`await import(...)`).
 */

import { afterAll, afterEach } from "bun:test";
import { transformAsync } from "@babel/core";
import presetTypescript from "@babel/preset-typescript";
import { GlobalRegistrator } from "@happy-dom/global-registrator";
import presetSolid from "babel-preset-solid";
import { plugin } from "bun";

/**
 * Installs the DOM globals for the calling test file and removes them after it:
 * `bun test` runs every file of the repo in one process, and the server tests
 * must not see a fake window.
 */
export function useDom(): void {
  // Every global as it was (fetch, WebSocket, Response...), put back afterwards, also those a test replaced.
  const before = new Map(
    Object.getOwnPropertyNames(globalThis).map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]),
  );
  if (!GlobalRegistrator.isRegistered) GlobalRegistrator.register({ url: "http://localhost:5173/" });
  // A compiled component asks for event delegation once, when its module loads, on the document of
  // that moment; a shared component (a field, a button row) loaded by an earlier test file would
  // otherwise stay deaf on this file's fresh document.
  delegateEvents([...DelegatedEvents], document);
  afterEach(() => {
    for (const dispose of mounted.splice(0)) dispose();
    document.body.innerHTML = "";
  });
  afterAll(async () => {
    if (GlobalRegistrator.isRegistered) await GlobalRegistrator.unregister();
    for (const [name, descriptor] of before) {
      const now = Object.getOwnPropertyDescriptor(globalThis, name);
      if (descriptor && now?.value !== descriptor.value && descriptor.configurable) {
        Object.defineProperty(globalThis, name, descriptor);
      }
    }
  });
}

const solidRoot = require.resolve("solid-js/package.json").replace(/package\.json$/, "");
const BROWSER_BUILDS: Record<string, string> = {
  "solid-js": `${solidRoot}dist/solid.js`,
  "solid-js/web": `${solidRoot}web/dist/web.js`,
  "solid-js/store": `${solidRoot}store/dist/store.js`,
};

const SOLID_SPECIFIER = /(from\s*|import\s*\(\s*)(["'])(solid-js(?:\/web|\/store)?)\2/g;
const toBrowserBuilds = (code: string) =>
  code.replace(
    SOLID_SPECIFIER,
    (_, prefix: string, quote: string, name: string) => `${prefix}${quote}${BROWSER_BUILDS[name]}${quote}`,
  );

plugin({
  name: "solid-dom-for-tests",
  setup(build) {
    build.onLoad({ filter: /\/web\/src\/.*\.tsx?$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      if (args.path.endsWith(".ts")) return { contents: toBrowserBuilds(source), loader: "ts" };
      const result = await transformAsync(source, {
        filename: args.path,
        presets: [
          [presetSolid, { generate: "dom" }],
          [presetTypescript, { onlyRemoveTypeImports: true }],
        ],
        babelrc: false,
        configFile: false,
      });
      return { contents: toBrowserBuilds(result?.code ?? ""), loader: "js" };
    });
    build.onLoad({ filter: /solid-js\/(web|store)\/dist\/(web|store)\.js$/ }, async (args) => ({
      contents: toBrowserBuilds(await Bun.file(args.path).text()),
      loader: "js",
    }));
  },
});

/** Solid's browser `render`, the same instance the components use. */
export const { render, delegateEvents, DelegatedEvents } = (await import(
  BROWSER_BUILDS["solid-js/web"] as string
)) as typeof import("solid-js/web");
/** Solid's browser `createSignal`, for tests that change a component's props over time. */
export const { createSignal } = (await import(BROWSER_BUILDS["solid-js"] as string)) as typeof import("solid-js");

const mounted: Array<() => void> = [];

/** Lets pending promises and timers of the component settle (an answer arriving, a state update). */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Renders `view` into a fresh element on the page (unmounted after each test by `useDom`) and
 * hands back what tests do with it: query, type into an input, choose in a select, find a button.
 */
export function mount(view: () => unknown) {
  const root = document.createElement("div");
  document.body.append(root);
  mounted.push(render(view as () => Element, root));
  const $ = <T extends Element>(selector: string) => root.querySelector(selector) as T;
  const type = (name: string, value: string) => {
    const input = $<HTMLInputElement>(`[name="${name}"]`);
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const choose = (name: string, value: string) => {
    const select = $<HTMLSelectElement>(`select[name="${name}"]`);
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  };
  /** The button labelled `text`, or failing that the first whose label contains it ("Review" finds "Review buy order"). */
  const button = (text: string) => {
    const buttons = [...root.querySelectorAll("button")];
    return (buttons.find((b) => b.textContent?.trim() === text) ??
      buttons.find((b) => b.textContent?.includes(text))) as HTMLButtonElement | undefined;
  };
  const submit = () =>
    $<HTMLFormElement>("form").dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  return { root, $, type, choose, button, submit };
}
