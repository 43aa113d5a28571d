import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { bootSecurityPlatform, errorOf, platformPorts, runMain, type SecurityPlatform } from "./harness.ts";

// Issue 14 item 12: no password policy, and the dev launcher printed a password it was given.
let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform();
});
afterAll(() => p?.stop());

const addUser = (username: string, password: string) =>
  p.json("/api/users", { token: p.admin, body: { username, password, role: "viewer" } });

describe("password policy (issue 14 item 12)", () => {
  it("refuses passwords under 12 characters or on the common-password list, saying why", async () => {
    const short = await addUser("weak1", "Sh0rt-pw");
    expect(short.status).toBe(422);
    expect(errorOf(short.body)?.message).toContain("at least 12 characters");
    for (const common of ["password1234", "QWERTYUIOP123", "1q2w3e4r5t6y"]) {
      const res = await addUser("weak2", common);
      expect({ common, status: res.status }).toEqual({ common, status: 422 });
      expect(errorOf(res.body)?.message).toContain("common passwords");
    }
    expect((await p.json("/api/auth/login", { body: { username: "weak2", password: "password1234" } })).status).toBe(
      401,
    );
  });

  it("holds for a password change and an admin's reset too", async () => {
    const user = await p.addUser("policy-user", "viewer");
    const own = await p.json("/api/auth/password", {
      method: "PUT",
      token: user,
      body: { currentPassword: "policy-user-Pw-9f2kq7x", newPassword: "password1234" },
    });
    expect(own.status).toBe(422);
    const reset = await p.json("/api/users/policy-user", {
      method: "PATCH",
      token: p.admin,
      body: { password: "short" },
    });
    expect(reset.status).toBe(422);
    // Nothing changed: the session is still live and the old password still works.
    expect((await p.call("/api/positions", { token: user })).status).toBe(200);
    await p.login("policy-user", "policy-user-Pw-9f2kq7x");
  });
});

describe("the user and password routes issue 14 added (the fuzzer leaves them out: they end its session)", () => {
  it("answer malformed bodies with 422 and an unknown user with 404, changing nothing", async () => {
    const user = await p.addUser("shape-user", "viewer");
    for (const body of [{ role: "king" }, { disabled: "yes" }, { password: 12 }, { role: ["admin"] }]) {
      const res = await p.json("/api/users/shape-user", { method: "PATCH", token: p.admin, body });
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
    }
    const missing = await p.json("/api/users/nobody-here", {
      method: "PATCH",
      token: p.admin,
      body: { disabled: true },
    });
    expect(missing.status).toBe(404);
    for (const body of [{}, { currentPassword: "shape-user-Pw-9f2kq7x" }, { newPassword: 5, currentPassword: "x" }]) {
      const res = await p.json("/api/auth/password", { method: "PUT", token: user, body });
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
    }
    // The user is as created: still a viewer, still enabled, the password unchanged.
    expect((await p.call("/api/positions", { token: user })).status).toBe(200);
    await p.login("shape-user", "shape-user-Pw-9f2kq7x");
  });
});

describe("the dev launcher and the admin password (issue 14 item 12)", () => {
  const dev = { JTS_ENV: "development", JTS_STORAGE: "memory", STRATEGIES: "off" };

  it("does not print a password it was given", async () => {
    const given = "Given-admin-passphrase-42";
    const run = await runMain({ ...dev, ...platformPorts(), JTS_ADMIN_PASSWORD: given }, { until: "broker-sim" });
    expect(run.stdout).toContain("JTS is running");
    expect(run.stdout).toContain("login: admin with the JTS_ADMIN_PASSWORD you set");
    expect(run.stdout + run.stderr).not.toContain(given);
  });

  it("refuses to start with a weak bootstrap admin password, saying why", async () => {
    const run = await runMain({ ...dev, ...platformPorts(), JTS_ADMIN_PASSWORD: "password1234" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("JTS_ADMIN_PASSWORD: this password is on a list of common passwords");
  });
});
