import type { BrokerAck, Order, RateLimiter } from "@jts/contracts";
import { connectRedis, RedisRateLimiter } from "@jts/kit/redis";
import type { FakeLimit } from "./fake-venue.ts";
import {
  formatProof,
  type LimitsProofResult,
  type LimitsReferee,
  type ProofReplica,
  processReplica,
  runLimitsProof,
  runReplicaProcess,
} from "./limits-proof.ts";

/** A venue's fake, started for one proof run: the kit's fakes (`venue` is their FakeVenue) fit as they are. */
export interface ProofFake {
  venue: LimitsReferee;
  url: string;
  stop(): Promise<void>;
}

/** Where one replica runs: the fake's URL and its own limiter over the shared Redis (`redisUrl` + `prefix`). */
export interface ReplicaContext {
  index: number;
  url: string;
  limiter: RateLimiter;
  redisUrl: string;
  prefix: string;
}

/** One replica's client, built from the connector's own code. */
export interface ReplicaClient {
  /** Each called in a loop as fast as the client lets it. */
  workers: Array<() => Promise<unknown>>;
  /** At the deadline: close the client's rate gate so waiting calls give up instead of sending late. */
  stop(): void;
  /** Anything else the replica opened (Redis connections for a cache). */
  close?(): Promise<void>;
}

/** Everything a venue's limits proof is made of; `proveVenueLimits` and `venueProofMain` do the rest. */
export interface VenueProof {
  /** Title of the printed result. */
  title: string;
  /** Names the replicas' Redis connections. */
  name: string;
  /** The command that runs this proof's module: `--processes` runs it once per replica, adding `--replica ...`. */
  command: string[];
  /** The venue's limits as the fake measures them. */
  limits: FakeLimit[];
  startFake(): ProofFake;
  /** May be async: whatever a replica does once before trading (a KIS token) happens before the run starts. */
  replica(context: ReplicaContext): ReplicaClient | Promise<ReplicaClient>;
}

export interface VenueProofRun {
  durationMs: number;
  redisUrl: string;
  /** Keys of this run in Redis: a fresh prefix keeps earlier runs' windows out. */
  prefix: string;
  replicas?: number;
  /** Each replica in its own process instead of all in this one. */
  processes?: boolean;
}

/**
 * A worker placing a new order (`template` with a fresh id) through a
 * connector's own `place` each call; a refusal throws, so it counts as a
 * client error rather than a call.
 */
export function orderPlacer(
  place: (order: Order) => Promise<{ ack: BrokerAck }>,
  template: Omit<Order, "id" | "clientOrderId">,
): () => Promise<void> {
  return async () => {
    const id = crypto.randomUUID();
    const { ack } = await place({ ...template, id, clientOrderId: id });
    if (!ack.accepted) throw new Error(`order refused: ${ack.reason}`);
  };
}

function replicaLimiter(proof: VenueProof, index: number, redisUrl: string, prefix: string): RedisRateLimiter {
  return new RedisRateLimiter(connectRedis(redisUrl, `${proof.name}-proof-${index}`), prefix);
}

/**
 * Three replicas (by default), each with its own client and its own limiter
 * connection to one Redis, hammer the venue's fake for `durationMs`; the
 * fake's meter judges (see `runLimitsProof`).
 */
export async function proveVenueLimits(proof: VenueProof, run: VenueProofRun): Promise<LimitsProofResult> {
  const fake = proof.startFake();
  // Child processes take a second or two to start: they all begin at this instant.
  const startAt = Date.now() + 2_000;
  try {
    return await runLimitsProof({
      venue: fake.venue,
      replicas: run.replicas ?? 3,
      durationMs: run.durationMs,
      limits: proof.limits,
      createReplica: async (index): Promise<ProofReplica> => {
        if (run.processes) {
          const args = ["--replica", String(index), "--url", fake.url, "--redis", run.redisUrl, "--prefix", run.prefix];
          return processReplica([...proof.command, ...args], startAt, run.durationMs);
        }
        const limiter = replicaLimiter(proof, index, run.redisUrl, run.prefix);
        const client = await proof.replica({
          index,
          url: fake.url,
          limiter,
          redisUrl: run.redisUrl,
          prefix: run.prefix,
        });
        return {
          workers: client.workers,
          stop: () => client.stop(),
          close: async () => {
            await client.close?.();
            await limiter.close();
          },
        };
      },
    });
  } finally {
    await fake.stop();
  }
}

/**
 * The command line of a proof module: `[--seconds 30] [--processes]`, or, as a
 * child of `--processes`, one replica. Needs REDIS_URL (the real shared
 * limiter); prints the numbers and exits 0 on PASS, 1 on FAIL, 2 without Redis.
 */
export async function venueProofMain(proof: VenueProof, argv: string[] = process.argv): Promise<never> {
  const flag = (name: string) => argv[argv.indexOf(name) + 1] ?? "";
  if (argv.includes("--replica")) {
    const index = Number(flag("--replica"));
    const [redisUrl, prefix] = [flag("--redis"), flag("--prefix")];
    const limiter = replicaLimiter(proof, index, redisUrl, prefix);
    const client = await proof.replica({ index, url: flag("--url"), limiter, redisUrl, prefix });
    await runReplicaProcess(argv, client.workers, () => client.stop());
    await client.close?.();
    await limiter.close();
    process.exit(0);
  }
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.error('REDIS_URL is not set: the proof needs the shared Redis limiter (eval "$(host/servers/all env)")');
    process.exit(2);
  }
  const seconds = argv.includes("--seconds") ? Number(flag("--seconds")) : 30;
  const processes = argv.includes("--processes");
  const result = await proveVenueLimits(proof, {
    durationMs: seconds * 1000,
    redisUrl,
    prefix: `jts:proof:${proof.name}:${Date.now()}:`,
    processes,
  });
  const how = processes ? "(3 processes)" : "(one process)";
  console.log(formatProof(`${proof.title}, 3 replicas ${how} over one Redis`, result));
  process.exit(result.ok ? 0 : 1);
}
