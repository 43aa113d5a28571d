import { EventTypes, type Fill, Subjects, type Subscription, type Tick, Topics } from "@jts/contracts";
import {
  createServiceApp,
  dedupeById,
  envelope,
  InstrumentCatalog,
  type Runtime,
  type Service,
  serveChecked,
} from "@jts/kit";
import { RiskEngine } from "./engine.ts";
import { CheckRequest, RiskLimits, SetStateBody } from "./model.ts";

export const DEFAULT_RISK_LIMITS: RiskLimits = { maxOrderNotional: "50000000", maxPositionNotional: "200000000" };

export function createRiskService(
  runtime: Runtime,
  options: { catalog?: InstrumentCatalog; limits?: RiskLimits } = {},
) {
  const logger = runtime.logger.child({ service: "risk-management" });
  const engine = new RiskEngine(options.catalog ?? new InstrumentCatalog(), options.limits ?? DEFAULT_RISK_LIMITS);
  const subscriptions: Subscription[] = [];

  const setState = async (body: SetStateBody) => {
    const change = engine.setState(body.state, body.reason ?? "set by operator", body.changedBy ?? "operator");
    if (change) {
      logger.warn("trading state changed", { ...change });
      await runtime.bus.publish(
        Topics.tradingState,
        envelope(EventTypes.tradingState, "risk-management", "state", change),
      );
    }
    return engine.status();
  };

  const setLimits = (limits: RiskLimits) => {
    engine.setLimits(limits);
    logger.warn("risk limits changed", { ...limits });
    return engine.status();
  };

  const app = createServiceApp({ name: "risk-management", logger })
    .get("/risk", () => engine.status())
    .put("/risk/state", ({ body }) => setState(body), { body: SetStateBody })
    .put("/risk/limits", ({ body }) => setLimits(body), { body: RiskLimits })
    .post("/risk/check", ({ body }) => engine.check(body.order), { body: CheckRequest });

  return {
    name: "risk-management",
    app,
    engine,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(Topics.allTicks, (e) => {
          const tick = e.payload as Tick;
          engine.onPrice(tick.symbol, tick.price);
        }),
        await runtime.bus.subscribe(
          Topics.fill,
          dedupeById((e) => engine.onFill(e.payload as Fill)),
          { group: "risk-management" },
        ),
        await serveChecked(runtime.rpc, Subjects.riskCheck, CheckRequest, ({ order }) => {
          const decision = engine.check(order);
          if (!decision.approved)
            logger.info("order refused", { orderId: order.id, rule: decision.rule, reason: decision.reason });
          return decision;
        }),
        await runtime.rpc.serve(Subjects.riskStatus, () => engine.status()),
        await serveChecked(runtime.rpc, Subjects.riskSetState, SetStateBody, setState),
        await serveChecked(runtime.rpc, Subjects.riskSetLimits, RiskLimits, setLimits),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { engine: RiskEngine };
}

export type App = ReturnType<typeof createRiskService>["app"];
