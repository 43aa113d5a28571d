"use strict";
/**
 * Baseline for scenario 3: the same route on the stack the original spec chose,
 * NestJS on Express, run under Node (as its users would run it):
 *   node bench/baselines/nest-server.cjs   (env: PORT, JWT_SECRET, POSITIONS_FILE, API_RATE_LIMIT, API_RATE_WINDOW)
 * GET /api/positions: Bearer JWT verified with jsonwebtoken (HS256), the token
 * id checked against a deny list, a per-user token bucket with RateLimit-*
 * headers (the same arithmetic as JTS's MemoryRateLimiter), then the
 * positions from an injected service, as JSON. Decorators are applied as plain
 * calls, so Node runs this file without a build step.
 * Prints `@@ready {"url":...}` when listening.
 */
require("reflect-metadata");
const { readFileSync } = require("node:fs");
const { NestFactory } = require("@nestjs/core");
const { Controller, Get, HttpException, Injectable, Module, Req, UseGuards } = require("@nestjs/common");
const jwt = require("jsonwebtoken");

const secret = process.env.JWT_SECRET;
const rateLimit = Number(process.env.API_RATE_LIMIT ?? 100);
const rateWindowMs = Number(process.env.API_RATE_WINDOW ?? 60000);

const decorate = (decorator, target, key) => decorator(target, key, Object.getOwnPropertyDescriptor(target, key));
const inject = (target, types) => Reflect.defineMetadata("design:paramtypes", types, target);
const apiError = (status, code, message) => new HttpException({ error: { code, message } }, status);

class PositionsService {
  constructor() {
    this.positions = JSON.parse(readFileSync(process.env.POSITIONS_FILE, "utf8"));
  }
  list() {
    return this.positions;
  }
}
Injectable()(PositionsService);

class TokenBuckets {
  constructor() {
    this.buckets = new Map();
    this.capacity = rateLimit;
    this.refillPerSecond = rateLimit / (rateWindowMs / 1000);
  }
  take(key) {
    const now = Date.now();
    const bucket = this.buckets.get(key);
    const tokens = Math.min(
      this.capacity,
      bucket ? bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond : this.capacity,
    );
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return { allowed, remaining: Math.max(0, Math.floor(allowed ? tokens - 1 : tokens)) };
  }
}
Injectable()(TokenBuckets);

class DenyList {
  constructor() {
    this.denied = new Set();
  }
  has(jti) {
    return this.denied.has(jti);
  }
}
Injectable()(DenyList);

class AuthGuard {
  constructor(buckets, denyList) {
    this.buckets = buckets;
    this.denyList = denyList;
  }
  canActivate(context) {
    const http = context.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    const header = request.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    let claims;
    try {
      claims = token ? jwt.verify(token, secret, { algorithms: ["HS256"] }) : undefined;
    } catch {
      claims = undefined;
    }
    if (!claims || typeof claims.sub !== "string" || this.denyList.has(claims.jti))
      throw apiError(401, "UNAUTHORIZED", "missing, invalid or expired access token");
    const decision = this.buckets.take(`user:${claims.sub}`);
    response.setHeader("ratelimit-limit", String(rateLimit));
    response.setHeader("ratelimit-remaining", String(decision.remaining));
    if (!decision.allowed) throw apiError(429, "RATE_LIMITED", `rate limit of ${rateLimit} requests exceeded`);
    request.user = { username: claims.sub, role: claims.role };
    return true;
  }
}
Injectable()(AuthGuard);
inject(AuthGuard, [TokenBuckets, DenyList]);

class PositionsController {
  constructor(positions) {
    this.service = positions;
  }
  positions(request) {
    return this.service.list(request.user);
  }
}
Controller("api")(PositionsController);
UseGuards(AuthGuard)(PositionsController);
Req()(PositionsController.prototype, "positions", 0);
decorate(Get("positions"), PositionsController.prototype, "positions");
inject(PositionsController, [PositionsService]);

class AppModule {}
Module({ controllers: [PositionsController], providers: [PositionsService, TokenBuckets, DenyList, AuthGuard] })(
  AppModule,
);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ["error"] });
  const port = Number(process.env.PORT ?? 0);
  await app.listen(port, "127.0.0.1");
  const address = app.getHttpServer().address();
  process.stdout.write(`@@ready ${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid })}\n`);
  const stop = () => app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error) => {
  process.stdout.write(`@@error ${JSON.stringify({ message: String(error?.stack ?? error) })}\n`);
  process.exit(1);
});
