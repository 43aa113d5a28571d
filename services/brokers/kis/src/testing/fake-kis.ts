import { epochMsToKst } from "@jts/broker-kit";
import { type FakeRequest, FakeVenue, type SocketData } from "@jts/broker-kit/testing";
import { fromFixed, toFixed } from "@jts/contracts";
import type { ServerWebSocket } from "bun";
import { LIVE_TR_IDS, paperTrId } from "../constants.ts";
import type { DailyOrderRow } from "../parse.ts";
import { H0STCNT0_FIELDS, TRADES_TR_ID } from "../parse-realtime.ts";

/** A request as KIS tests look at it: headers and body (query or JSON) as plain objects. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, string>;
  at: number;
}

export interface FakeKisOptions {
  env: "paper" | "live";
  appKey?: string;
  appSecret?: string;
  /** Requests per second before EGW00201; KIS: 20 live, 2 paper. Infinity disables. */
  requestsPerSecond?: number;
  cash?: string;
  /** Rows per page of the daily-orders inquiry; KIS: 100 live, 15 paper. */
  pageSize?: number;
}

interface Holding {
  quantity: bigint;
  cost: bigint;
}

const RATE_LIMITED = { rt_cd: "1", msg_cd: "EGW00201", msg1: "초당 거래건수를 초과하였습니다." };

const REST_PATHS = {
  orderCash: "/uapi/domestic-stock/v1/trading/order-cash",
  reviseCancel: "/uapi/domestic-stock/v1/trading/order-rvsecncl",
  dailyOrders: "/uapi/domestic-stock/v1/trading/inquire-daily-ccld",
  balance: "/uapi/domestic-stock/v1/trading/inquire-balance",
} as const;

type KisSocket = ServerWebSocket<SocketData>;

/**
 * A fake KIS OpenAPI on the kit's FakeVenue (127.0.0.1) for tests: the REST
 * endpoints JTS calls (token, approval key, cash order, cancel, daily orders,
 * balance) and the real-time WebSocket, answering in KIS's shapes and
 * enforcing what KIS enforces: one token a minute, tr_ids of the right
 * environment, N requests per second (EGW00201 beyond). Tests drive fills,
 * drops and failures.
 */
export class FakeKis {
  readonly venue: FakeVenue;
  readonly tokensIssued: string[] = [];
  readonly pongs: string[] = [];
  connections = 0;
  private readonly registrations = new WeakMap<KisSocket, Set<string>>();
  private readonly orders = new Map<string, DailyOrderRow>();
  private readonly holdings = new Map<string, Holding>();
  private cash: bigint;
  private nextOrderNo = 12345;
  private lastTokenAt = Number.NEGATIVE_INFINITY;
  private approvalKeys = new Set<string>();
  private failures: Array<"429" | "EGW00201"> = [];
  readonly appKey: string;
  readonly appSecret: string;

  constructor(private readonly options: FakeKisOptions) {
    this.appKey = options.appKey ?? "PSfakeappkey0000000000000000000000000";
    this.appSecret = options.appSecret ?? "fake-app-secret";
    this.cash = toFixed(options.cash ?? "10000000");
    const rest = (method: string, path: string, handle: (request: RecordedRequest) => Response) => ({
      method,
      path,
      costs: () => [{ group: "rest", weight: 1 }],
      authenticate: (request: FakeRequest) => this.admit(recorded(request)),
      handle: (request: FakeRequest) => handle(recorded(request)),
    });
    const oauth = (path: string, handle: (body: Record<string, string>) => Response) => ({
      method: "POST",
      path,
      handle: (request: FakeRequest) => handle(recorded(request).body),
    });
    this.venue = new FakeVenue({
      routes: [
        oauth("/oauth2/tokenP", (body) => this.issueToken(body)),
        oauth("/oauth2/Approval", (body) => this.issueApproval(body)),
        rest("POST", REST_PATHS.orderCash, (r) => {
          const side = this.expect(r, "buy") ? "02" : this.expect(r, "sell") ? "01" : null;
          return side ? this.placeOrder(r.body, side) : this.wrongTrId(r.headers.tr_id);
        }),
        rest("POST", REST_PATHS.reviseCancel, (r) =>
          this.expect(r, "reviseCancel") ? this.cancelOrder(r.body) : this.wrongTrId(r.headers.tr_id),
        ),
        rest("GET", REST_PATHS.dailyOrders, (r) =>
          this.expect(r, "dailyOrders")
            ? this.dailyOrders(r.body, r.headers.tr_cont ?? "")
            : this.wrongTrId(r.headers.tr_id),
        ),
        rest("GET", REST_PATHS.balance, (r) =>
          this.expect(r, "balance") ? this.balance() : this.wrongTrId(r.headers.tr_id),
        ),
      ],
      sockets: [
        {
          path: "/",
          onOpen: (ws) => {
            this.connections++;
            this.registrations.set(ws, new Set());
          },
          onMessage: (ws, text) => this.onSocketMessage(ws, text),
        },
      ],
    });
  }

  /** Every request so far, in arrival order. */
  get requests(): RecordedRequest[] {
    return this.venue.requests.map(recorded);
  }

  /** The symbols each open socket has registered. */
  get subscriptions(): Map<KisSocket, Set<string>> {
    return new Map([...this.venue.sockets].map((ws) => [ws, this.registrations.get(ws) ?? new Set<string>()]));
  }

  get url(): string {
    return this.venue.url;
  }

  get wsUrl(): string {
    return this.venue.wsUrl;
  }

  start(): this {
    this.venue.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.venue.stop();
  }

  /** The next `count` REST calls fail with HTTP 429 or KIS's EGW00201. */
  failNext(count: number, kind: "429" | "EGW00201"): void {
    for (let i = 0; i < count; i++) this.failures.push(kind);
  }

  /** Every approval key stops working; registrations on open sockets are refused from now on. */
  expireApprovals(): void {
    this.approvalKeys.clear();
  }

  /** Every issued token stops working, as after its 24 hours. */
  expireTokens(): void {
    this.tokensIssued.length = 0;
  }

  /** KIS executes `quantity` of an open order at `price`. */
  fill(venueOrderId: string, quantity: string, price: string): void {
    const row = this.orders.get(venueOrderId);
    if (!row) throw new Error(`no order ${venueOrderId}`);
    const qty = toFixed(quantity);
    const filledBefore = toFixed(row.tot_ccld_qty);
    const avgBefore = toFixed(row.avg_prvs);
    const filled = filledBefore + qty;
    const cost = (avgBefore * filledBefore + toFixed(price) * qty) / filled;
    row.tot_ccld_qty = fromFixed(filled);
    row.avg_prvs = fromFixed(cost);
    row.rmn_qty = fromFixed(toFixed(row.ord_qty) - filled);
    const holding = this.holdings.get(row.pdno) ?? { quantity: 0n, cost: 0n };
    const notional = (toFixed(price) * qty) / 1_000_000_000n;
    if (row.sll_buy_dvsn_cd === "02") {
      holding.quantity += qty;
      holding.cost += notional;
      this.cash -= notional;
    } else {
      holding.cost -= holding.quantity === 0n ? 0n : (holding.cost * qty) / holding.quantity;
      holding.quantity -= qty;
      this.cash += notional;
    }
    this.holdings.set(row.pdno, holding);
  }

  /** Sends one H0STCNT0 frame to every socket subscribed to `symbol`. */
  pushTrades(symbol: string, records: string[][]): void {
    const frame = `0|${TRADES_TR_ID}|${String(records.length).padStart(3, "0")}|${records.map((r) => r.join("^")).join("^")}`;
    for (const [ws, keys] of this.subscriptions) if (keys.has(symbol)) ws.send(frame);
  }

  ping(): void {
    const frame = JSON.stringify({ header: { tr_id: "PINGPONG", datetime: "20261127101500" } });
    this.venue.broadcast(frame);
  }

  /** Closes every socket as a network failure would. */
  dropSockets(): void {
    this.venue.dropSockets();
  }

  /** KRX cancels what is left of an order (an IOC/FOK remainder). */
  cancelRemainder(venueOrderId: string): void {
    const row = this.orders.get(venueOrderId);
    if (!row) throw new Error(`no order ${venueOrderId}`);
    row.cnc_cfrm_qty = row.rmn_qty;
    row.rmn_qty = "0";
  }

  order(venueOrderId: string): DailyOrderRow | undefined {
    return this.orders.get(venueOrderId);
  }

  /** What KIS checks before serving a REST call: injected failures, the per-second limit, token, app key. */
  private admit(request: RecordedRequest): Response | null {
    const failure = this.failures.shift();
    if (failure === "429")
      return Response.json({ message: "Too Many Requests" }, { status: 429, headers: { "retry-after": "0" } });
    if (failure === "EGW00201") return Response.json(RATE_LIMITED, { status: 500 });
    if (this.overLimit()) {
      // Counted as the kit's fake counts its own limit refusals: the limits proof requires none.
      this.venue.counts.limited++;
      return Response.json(RATE_LIMITED, { status: 500 });
    }
    const { headers } = request;
    if (!this.tokensIssued.includes((headers.authorization ?? "").replace(/^Bearer /, "")))
      return Response.json({ rt_cd: "1", msg_cd: "EGW00123", msg1: "기간이 만료된 token 입니다." }, { status: 500 });
    if (headers.appkey !== this.appKey || headers.appsecret !== this.appSecret)
      return Response.json({ rt_cd: "1", msg_cd: "EGW00105", msg1: "유효하지 않은 AppSecret입니다." }, { status: 500 });
    return null;
  }

  /** REST calls (not token calls) in the trailing second, this one included, over the limit. */
  private overLimit(): boolean {
    return this.venue.meter.used("rest", 1000) > (this.options.requestsPerSecond ?? Number.POSITIVE_INFINITY);
  }

  private expect(request: RecordedRequest, name: keyof typeof LIVE_TR_IDS): boolean {
    const id = LIVE_TR_IDS[name];
    return request.headers.tr_id === (this.options.env === "paper" ? paperTrId(id) : id);
  }

  private issueToken(body: Record<string, string>): Response {
    if (body.grant_type !== "client_credentials" || body.appkey !== this.appKey || body.appsecret !== this.appSecret)
      return Response.json(
        { error_code: "EGW00103", error_description: "유효하지 않은 AppKey입니다." },
        { status: 403 },
      );
    if (performance.now() - this.lastTokenAt < 60_000)
      return Response.json(
        { error_code: "EGW00133", error_description: "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)" },
        { status: 403 },
      );
    this.lastTokenAt = performance.now();
    const token = `token-${this.tokensIssued.length + 1}-${crypto.randomUUID()}`;
    this.tokensIssued.push(token);
    return Response.json({
      access_token: token,
      access_token_token_expired: "2026-11-28 10:00:00",
      token_type: "Bearer",
      expires_in: 86400,
    });
  }

  /** Lets the next token request through at once, as if a minute had passed. */
  forgetTokenThrottle(): void {
    this.lastTokenAt = Number.NEGATIVE_INFINITY;
  }

  private issueApproval(body: Record<string, string>): Response {
    if (body.appkey !== this.appKey || body.secretkey !== this.appSecret)
      return Response.json(
        { error_code: "EGW00103", error_description: "유효하지 않은 AppKey입니다." },
        { status: 403 },
      );
    const key = crypto.randomUUID();
    this.approvalKeys.add(key);
    return Response.json({ approval_key: key });
  }

  private wrongTrId(trId: string | undefined): Response {
    return Response.json({ rt_cd: "1", msg_cd: "EGW00203", msg1: `tr_id ${trId} is not valid here` }, { status: 500 });
  }

  private placeOrder(body: Record<string, string>, side: "01" | "02"): Response {
    const quantity = toFixed(body.ORD_QTY || "0");
    if (quantity <= 0n) return Response.json({ rt_cd: "1", msg_cd: "APBK0918", msg1: "주문수량을 확인하세요" });
    if (side === "01" && (this.holdings.get(body.PDNO ?? "")?.quantity ?? 0n) < quantity)
      return Response.json({ rt_cd: "1", msg_cd: "APBK0400", msg1: "주문 가능한 수량을 초과했습니다." });
    const odno = String(this.nextOrderNo++).padStart(10, "0");
    const now = epochMsToKst(Date.now());
    this.orders.set(odno, {
      ord_dt: now.date,
      ord_gno_brno: "06010",
      odno,
      orgn_odno: "",
      sll_buy_dvsn_cd: side,
      pdno: body.PDNO ?? "",
      ord_qty: body.ORD_QTY ?? "0",
      ord_unpr: body.ORD_UNPR ?? "0",
      ord_tmd: now.time,
      tot_ccld_qty: "0",
      avg_prvs: "0",
      cncl_yn: "N",
      cnc_cfrm_qty: "0",
      rmn_qty: body.ORD_QTY ?? "0",
      rjct_qty: "0",
      ord_dvsn_cd: body.ORD_DVSN ?? "00",
    });
    return Response.json({
      rt_cd: "0",
      msg_cd: "APBK0013",
      msg1: "주문 전송 완료 되었습니다.",
      output: { KRX_FWDG_ORD_ORGNO: "06010", ODNO: odno, ORD_TMD: now.time },
    });
  }

  private cancelOrder(body: Record<string, string>): Response {
    const original = this.orders.get(body.ORGN_ODNO ?? "");
    const revise = body.RVSE_CNCL_DVSN_CD === "01";
    if (!original || (!revise && body.RVSE_CNCL_DVSN_CD !== "02") || body.KRX_FWDG_ORD_ORGNO !== original.ord_gno_brno)
      return Response.json({ rt_cd: "1", msg_cd: "APBK0634", msg1: "원주문번호가 존재하지 않습니다." });
    if (toFixed(original.rmn_qty) === 0n)
      return Response.json({ rt_cd: "1", msg_cd: "APBK0917", msg1: "정정/취소할 수량이 없습니다." });
    if (revise) return this.reviseOrder(original, body);
    original.cnc_cfrm_qty = original.rmn_qty;
    original.rmn_qty = "0";
    const odno = String(this.nextOrderNo++).padStart(10, "0");
    this.orders.set(odno, { ...original, odno, orgn_odno: original.odno, cncl_yn: "Y", tot_ccld_qty: "0" });
    return Response.json({
      rt_cd: "0",
      msg_cd: "APBK0013",
      msg1: "주문 전송 완료 되었습니다.",
      output: { KRX_FWDG_ORD_ORGNO: "06010", ODNO: odno, ORD_TMD: original.ord_tmd },
    });
  }

  /**
   * 정정 of everything left: the original keeps its fills and confirms the
   * revised quantity; a new row (new odno, orgn_odno the original) works the
   * remainder at the new price.
   */
  private reviseOrder(original: DailyOrderRow, body: Record<string, string>): Response {
    const remainder = original.rmn_qty;
    original.cnc_cfrm_qty = remainder;
    original.rmn_qty = "0";
    const odno = String(this.nextOrderNo++).padStart(10, "0");
    this.orders.set(odno, {
      ...original,
      odno,
      orgn_odno: original.odno,
      ord_qty: remainder,
      ord_unpr: body.ORD_UNPR ?? original.ord_unpr,
      tot_ccld_qty: "0",
      avg_prvs: "0",
      cncl_yn: "N",
      cnc_cfrm_qty: "0",
      rmn_qty: remainder,
    });
    return Response.json({
      rt_cd: "0",
      msg_cd: "APBK0013",
      msg1: "주문 전송 완료 되었습니다.",
      output: { KRX_FWDG_ORD_ORGNO: "06010", ODNO: odno, ORD_TMD: original.ord_tmd },
    });
  }

  /**
   * Pages like KIS: tr_cont M while more follow, continuation key = the offset of the next page.
   * INQR_DVSN 00 lists newest first (역순), 01 oldest first (정순).
   */
  private dailyOrders(query: Record<string, string>, trCont: string): Response {
    const placed = [...this.orders.values()];
    if (query.INQR_DVSN === "00") placed.reverse();
    const rows = placed.filter(
      (r) =>
        (!query.ODNO || r.odno === query.ODNO) &&
        (!query.PDNO || r.pdno === query.PDNO) &&
        (query.CCLD_DVSN !== "02" || toFixed(r.rmn_qty) > 0n),
    );
    const size = this.options.pageSize ?? (this.options.env === "live" ? 100 : 15);
    const offset = trCont === "N" ? Number(query.CTX_AREA_NK100 || 0) : 0;
    const page = rows.slice(offset, offset + size);
    const more = offset + size < rows.length;
    return Response.json(
      {
        rt_cd: "0",
        msg_cd: "KIOK0000",
        msg1: "조회가 완료되었습니다",
        ctx_area_fk100: "",
        ctx_area_nk100: more ? String(offset + size) : "",
        output1: page,
        output2: {},
      },
      { headers: { tr_cont: more ? "M" : "D" } },
    );
  }

  private balance(): Response {
    const output1 = [...this.holdings.entries()]
      .filter(([, h]) => h.quantity > 0n)
      .map(([pdno, h]) => ({
        pdno,
        hldg_qty: fromFixed(h.quantity),
        pchs_avg_pric: `${fromFixed((h.cost * 1_000_000_000n) / h.quantity)}.0000`,
        prpr: "71000",
        evlu_pfls_amt: fromFixed((toFixed("71000") * h.quantity) / 1_000_000_000n - h.cost),
      }));
    const cash = fromFixed(this.cash);
    return Response.json({
      rt_cd: "0",
      msg_cd: "KIOK0000",
      msg1: "조회가 완료되었습니다",
      output1,
      output2: [{ dnca_tot_amt: cash, prvs_rcdl_excc_amt: cash }],
    });
  }

  private onSocketMessage(ws: KisSocket, text: string): void {
    let message: {
      header?: { tr_id?: string; approval_key?: string; tr_type?: string };
      body?: { input?: { tr_id?: string; tr_key?: string } };
    };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.header?.tr_id === "PINGPONG") {
      this.pongs.push(text);
      return;
    }
    const input = message.body?.input;
    const header = { tr_id: input?.tr_id ?? "", tr_key: input?.tr_key ?? "", encrypt: "N" };
    if (!message.header?.approval_key || !this.approvalKeys.has(message.header.approval_key)) {
      ws.send(
        JSON.stringify({ header, body: { rt_cd: "1", msg_cd: "OPSP8996", msg1: "invalid approval : NOT FOUND" } }),
      );
      return;
    }
    const keys = this.registrations.get(ws) ?? new Set<string>();
    if (message.header.tr_type === "1") keys.add(input?.tr_key ?? "");
    else keys.delete(input?.tr_key ?? "");
    const msg1 = message.header.tr_type === "1" ? "SUBSCRIBE SUCCESS" : "UNSUBSCRIBE SUCCESS";
    ws.send(JSON.stringify({ header, body: { rt_cd: "0", msg_cd: "OPSP0000", msg1, output: { iv: "", key: "" } } }));
  }
}

function recorded(request: FakeRequest): RecordedRequest {
  return {
    method: request.method,
    path: request.path,
    headers: Object.fromEntries(request.headers.entries()),
    body: request.method === "GET" ? Object.fromEntries(request.query.entries()) : (request.json() ?? {}),
    at: request.at,
  } as RecordedRequest;
}

/** One H0STCNT0 record in documented field order; unspecified fields get plausible values. */
export function tradeRecord(fields: {
  symbol: string;
  time: string;
  price: string;
  volume: string;
  cumulativeVolume: string;
  side: "1" | "5" | "3";
  date: string;
}): string[] {
  const record: string[] = H0STCNT0_FIELDS.map(() => "0");
  const set = (name: (typeof H0STCNT0_FIELDS)[number], value: string) => {
    record[H0STCNT0_FIELDS.indexOf(name)] = value;
  };
  set("MKSC_SHRN_ISCD", fields.symbol);
  set("STCK_CNTG_HOUR", fields.time);
  set("STCK_PRPR", fields.price);
  set("CNTG_VOL", fields.volume);
  set("ACML_VOL", fields.cumulativeVolume);
  set("CCLD_DVSN", fields.side);
  set("BSOP_DATE", fields.date);
  set("TRHT_YN", "N");
  return record;
}
