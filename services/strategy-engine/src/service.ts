import { hostname } from "node:os";
import {
  type DocumentChange,
  type DocumentStore,
  type StrategyConfig,
  StrategyCreate,
  StrategyIdRequest,
  StrategyParams,
  Subjects,
  type Subscription,
  Topics,
  type Venue,
} from "@jts/contracts";
import {
  AnnouncingDocumentStore,
  AppError,
  createServiceApp,
  dedupeById,
  followDocuments,
  holdLeadership,
  type Leadership,
  MemoryDocumentStore,
  newId,
  type Runtime,
  type Service,
  serve,
  unreadableReason,
} from "@jts/kit";
import { t } from "elysia";
import { STRATEGY_COLLECTION, StrategyDefinitions } from "./definitions.ts";
import { StrategyEngine } from "./engine.ts";
import { checkParams, kindInfos } from "./sdk/kinds.ts";
import { StrategyStateStore } from "./state-store.ts";

/** Indicator windows change on every tick; between fills they are saved this often. */
const STATE_SAVE_INTERVAL_MS = 30_000;

export interface StrategyServiceOptions {
  /** Definitions stored when missing (a fresh install's defaults); stored definitions win. */
  strategies: readonly StrategyConfig[];
  /** Where definitions and runner state live; in memory when not given. */
  documents?: DocumentStore;
  cooldownMs?: number;
  /** Account and venue of a created strategy that names none. */
  defaultAccount?: string;
  defaultVenue?: Venue;
}

export function createStrategyService(runtime: Runtime, options: StrategyServiceOptions) {
  const logger = runtime.logger.child({ service: "strategy-engine" });
  /** This engine instance: it skips its own document announcements. */
  const instance = `strategy-engine:${newId()}`;
  const stored = options.documents ?? new MemoryDocumentStore();
  /** Definitions only: runner state is saved on every fill and is the active instance's alone, so it is not announced. */
  const documents = new AnnouncingDocumentStore(stored, runtime.bus, instance, logger);
  // One active engine: instances share a fenced lock and only its holder sends orders.
  let leadership: Leadership | null = null;
  const engine = new StrategyEngine(runtime.bus, runtime.rpc, logger, {
    cooldownMs: options.cooldownMs ?? 5000,
    canAct: () => leadership?.token != null,
    state: new StrategyStateStore(stored),
  });
  const definitions = new StrategyDefinitions(documents, logger);
  const subscriptions: Subscription[] = [];
  let saveTimer: ReturnType<typeof setInterval> | null = null;

  const setRunning = async (id: string, running: boolean) => {
    const status = engine.setRunning(id, running);
    await definitions.setEnabled(id, running);
    return status;
  };

  const setParams = async (id: string, params: StrategyParams) => {
    const status = await engine.setParams(id, params);
    await definitions.setParams(id, params);
    return status;
  };

  const create = async (request: StrategyCreate) => {
    if (engine.has(request.id)) throw new AppError("CONFLICT", `strategy ${request.id} exists`);
    checkParams(request.kind, request.params);
    const config: StrategyConfig = {
      ...request,
      account: request.account ?? options.defaultAccount ?? "paper-main",
      venue: request.venue ?? options.defaultVenue ?? "sim",
      enabled: request.enabled ?? false,
    };
    await definitions.create(config);
    return engine.add(config);
  };

  /** Another instance started, stopped, retuned or created a strategy: this one follows (the active one trades it). */
  /**
   * The version of each definition document applied last. The bus and the
   * change feed report changes concurrently and reads finish in any order: a
   * read older than one applied is dropped, or a strategy just stopped could
   * start again on the active instance. Changes are applied one at a time
   * for the same reason (applying one awaits).
   */
  const appliedVersions = new Map<string, number>();
  let following: Promise<void> = Promise.resolve();
  const followDefinition = (change: DocumentChange): Promise<void> => {
    const next = following.then(() => applyDefinition(change));
    following = next.catch(() => {});
    return next;
  };
  const applyDefinition = async (change: DocumentChange) => {
    if (change.version === null) return;
    const read = await definitions.read(change.id);
    if (!read) return;
    if (read.version <= (appliedVersions.get(change.id) ?? 0)) return;
    appliedVersions.set(change.id, read.version);
    const { config } = read;
    if (!engine.has(config.id)) {
      await engine.add(config);
      return;
    }
    const current = engine.list().find((s) => s.config.id === config.id);
    if (current && JSON.stringify(current.config.params) !== JSON.stringify(config.params))
      await engine.setParams(config.id, config.params);
    if (current?.running !== config.enabled) engine.setRunning(config.id, config.enabled);
  };

  const app = createServiceApp({
    name: "strategy-engine",
    logger,
    readiness: { definitions: () => unreadableReason(STRATEGY_COLLECTION, definitions.unreadable) },
  })
    .get("/strategies", () => engine.list())
    .get("/strategies/kinds", () => kindInfos())
    .post("/strategies", ({ body }) => create(body), { body: StrategyCreate })
    .post("/strategies/:id/start", ({ params }) => setRunning(params.id, true), { params: StrategyIdRequest })
    .post("/strategies/:id/stop", ({ params }) => setRunning(params.id, false), { params: StrategyIdRequest })
    .put("/strategies/:id/params", ({ params, body }) => setParams(params.id, body.params), {
      params: StrategyIdRequest,
      body: t.Object({ params: StrategyParams }),
    });

  return {
    name: "strategy-engine",
    app,
    engine,
    async start() {
      for (const config of await definitions.loadOrSeed(options.strategies)) {
        await engine
          .add(config)
          .catch((error: unknown) =>
            logger.error("strategy definition not loaded", { strategyId: config.id, error: (error as Error).message }),
          );
      }
      leadership = await holdLeadership(runtime.lock, "strategy-engine", `${hostname()}-${process.pid}-${newId()}`, {
        ttlMs: 10_000,
        onAcquired: (token) => logger.info("this engine instance is active", { token }),
        onLost: (token, reason) => logger.warn("this engine instance stands by", { token, reason }),
        onError: (error) => logger.warn("strategy lock call failed", { error: (error as Error).message }),
      });
      const group = { group: "strategy-engine" };
      subscriptions.push(
        await followDocuments(
          runtime.bus,
          documents,
          STRATEGY_COLLECTION,
          { source: instance, logger },
          followDefinition,
        ),
        // Ticks live: a strategy back from a restart trades on what happens now, never on replayed ticks. Bars
        // stay durable (one a minute, nothing to save): an indicator restored from saved state needs every bar.
        await runtime.bus.subscribe(Topics.allTicks, (e) => engine.onTick(e.payload), { ...group, live: true }),
        await runtime.bus.subscribe(Topics.allCandles, (e) => engine.onCandle(e.payload), group),
        // A redelivered fill must not count twice in the strategy's position and P&L.
        await runtime.bus.subscribe(
          Topics.fill,
          dedupeById((e) => engine.onFill(e.payload)),
          group,
        ),
        await runtime.bus.subscribe(Topics.orderUpdated, (e) => engine.onOrder(e.payload), group),
        await serve(runtime.rpc, Subjects.strategyList, () => engine.list()),
        await serve(runtime.rpc, Subjects.strategyKinds, () => kindInfos()),
        await serve(runtime.rpc, Subjects.strategyStart, ({ id }) => setRunning(id, true)),
        await serve(runtime.rpc, Subjects.strategyStop, ({ id }) => setRunning(id, false)),
        await serve(runtime.rpc, Subjects.strategyCreate, create),
        await serve(runtime.rpc, Subjects.strategySetParams, ({ id, params }) => setParams(id, params)),
      );
      saveTimer = setInterval(() => void engine.saveAll(), STATE_SAVE_INTERVAL_MS);
    },
    async stop() {
      if (saveTimer) clearInterval(saveTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await engine.stop();
      await leadership?.stop();
    },
  } satisfies Service & { engine: StrategyEngine };
}

export type App = ReturnType<typeof createStrategyService>["app"];
