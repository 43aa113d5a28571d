import { beforeEach, describe, expect, it } from "bun:test";
import { AppError, createLogger } from "@jts/kit";
import { ensureBootstrapAdmin } from "../bootstrap.ts";
import type { UserDirectory } from "../users.ts";

export interface UserDirectoryHarness {
  /** A directory with no users. */
  directory: UserDirectory;
  /** Another directory on the same users, as a second gateway or a restart would open it. */
  reopen(): UserDirectory;
}

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : String(error));

/** The one suite every UserDirectory passes (in-memory, PostgreSQL). */
export function userDirectoryContract(name: string, open: () => Promise<UserDirectoryHarness>) {
  describe(`UserDirectory contract: ${name}`, () => {
    let h: UserDirectoryHarness;
    let users: UserDirectory;
    beforeEach(async () => {
      h = await open();
      users = h.directory;
    });

    it("stores an argon2id hash, never the password, and verifies only the right password", async () => {
      const added = await users.add("alice", "alice-password-1", "trader");
      expect(added).toMatchObject({ username: "alice", role: "trader" });
      expect(added.passwordHash).toStartWith("$argon2id$");
      expect(added.passwordHash).not.toContain("alice-password-1");
      expect(await users.verify("alice", "alice-password-1")).toEqual(added);
      expect(await users.verify("alice", "alice-password-2")).toBeNull();
      expect(await users.verify("Alice", "alice-password-1")).toBeNull();
      expect(await users.verify("nobody", "alice-password-1")).toBeNull();
    });

    it("keeps every role", async () => {
      for (const role of ["admin", "trader", "viewer"] as const) await users.add(`u-${role}`, "password-12345", role);
      expect((await users.find("u-viewer"))?.role).toBe("viewer");
      expect((await users.verify("u-admin", "password-12345"))?.role).toBe("admin");
      expect(await users.find("missing")).toBeUndefined();
    });

    it("refuses a second user of the same name with CONFLICT and keeps the first one's password", async () => {
      await users.add("bob", "first-password", "viewer");
      const error = await users.add("bob", "second-password", "admin").catch((e: unknown) => e);
      expect(codeOf(error)).toBe("CONFLICT");
      expect((error as AppError).status).toBe(409);
      expect(await users.verify("bob", "second-password")).toBeNull();
      expect((await users.verify("bob", "first-password"))?.role).toBe("viewer");
    });

    it("stores one user when two adds of one name race", async () => {
      const results = await Promise.allSettled([
        users.add("carol", "password-one-1", "trader"),
        h.reopen().add("carol", "password-two-2", "trader"),
        users.add("carol", "password-three", "trader"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected").map((r) => codeOf(r.reason))).toEqual([
        "CONFLICT",
        "CONFLICT",
      ]);
    });

    it("refuses a username outside 1 to 64 characters", async () => {
      for (const username of ["", "x".repeat(65)]) {
        expect(codeOf(await users.add(username, "password-12345", "viewer").catch((e: unknown) => e))).toBe(
          "BAD_REQUEST",
        );
      }
      expect((await users.add("x".repeat(64), "password-12345", "viewer")).username).toHaveLength(64);
    });

    it("answers an unknown name in about the time a wrong password takes", async () => {
      await users.add("dave", "dave-password-1", "trader");
      const time = async (username: string) => {
        const started = performance.now();
        for (let i = 0; i < 3; i++) await users.verify(username, "wrong-password");
        return performance.now() - started;
      };
      await time("dave"); // warm-up
      const known = await time("dave");
      const unknown = await time("nobody-by-this-name");
      expect(unknown).toBeGreaterThan(known * 0.5);
      expect(unknown).toBeLessThan(known * 2);
    });

    it("keeps users for the next directory on the same store", async () => {
      await users.add("erin", "erin-password-1", "viewer");
      expect((await h.reopen().verify("erin", "erin-password-1"))?.username).toBe("erin");
    });

    it("refuses a short or common password with VALIDATION and stores nothing", async () => {
      for (const weak of ["short-pw-1", "password1234", "Qwertyuiop123"]) {
        expect(codeOf(await users.add("frank", weak, "viewer").catch((e: unknown) => e))).toBe("VALIDATION");
      }
      expect(await users.find("frank")).toBeUndefined();
    });

    it("updates role, disabled flag and password, bumping the token version each time", async () => {
      const added = await users.add("gina", "gina-password-1", "trader");
      expect(added).toMatchObject({ disabled: false, tokenVersion: 0 });
      expect(await users.update("gina", { role: "viewer" })).toMatchObject({ role: "viewer", tokenVersion: 1 });
      expect(await users.update("gina", { disabled: true })).toMatchObject({ disabled: true, tokenVersion: 2 });
      expect(await users.verify("gina", "gina-password-1")).toBeNull();
      await users.update("gina", { disabled: false, password: "gina-password-2" });
      expect(await h.reopen().verify("gina", "gina-password-1")).toBeNull();
      expect(await users.verify("gina", "gina-password-2")).toMatchObject({ role: "viewer", tokenVersion: 3 });
      expect((await users.update("gina", {})).tokenVersion).toBe(4);
      expect(codeOf(await users.update("gina", { password: "password1234" }).catch((e: unknown) => e))).toBe(
        "VALIDATION",
      );
      expect((await users.find("gina"))?.tokenVersion).toBe(4);
      expect(codeOf(await users.update("nobody", {}).catch((e: unknown) => e))).toBe("NOT_FOUND");
    });

    describe("bootstrap admin", () => {
      const logs: Array<{ level: string; msg: string }> = [];
      const logger = createLogger({}, "debug", (line) => {
        const { level, msg } = JSON.parse(line) as { level: string; msg: string };
        logs.push({ level, msg });
      });
      beforeEach(() => {
        logs.length = 0;
      });

      it("creates the admin when missing", async () => {
        expect(await ensureBootstrapAdmin(users, "admin", "jts-dev-password", logger)).toBe("created");
        expect((await users.verify("admin", "jts-dev-password"))?.role).toBe("admin");
      });

      it("keeps an existing admin's password when JTS_ADMIN_PASSWORD changed, and says so", async () => {
        await ensureBootstrapAdmin(users, "admin", "first-password", logger);
        logs.length = 0;
        expect(await ensureBootstrapAdmin(h.reopen(), "admin", "changed-password", logger)).toBe("kept");
        expect(await users.verify("admin", "changed-password")).toBeNull();
        expect((await users.verify("admin", "first-password"))?.role).toBe("admin");
        expect(logs.map((l) => l.level)).toEqual(["warn"]);
        expect(logs[0]?.msg).toContain("JTS_ADMIN_PASSWORD does not open the stored bootstrap user");
      });

      it("is quiet on a restart with the same settings and leaves a non-admin role alone", async () => {
        await ensureBootstrapAdmin(users, "admin", "same-password", logger);
        logs.length = 0;
        expect(await ensureBootstrapAdmin(users, "admin", "same-password", logger)).toBe("kept");
        expect(logs).toEqual([]);
        await users.add("ops", "ops-password-1", "viewer");
        expect(await ensureBootstrapAdmin(users, "ops", "ops-password-1", logger)).toBe("kept");
        expect((await users.find("ops"))?.role).toBe("viewer");
        expect(logs.map((l) => l.level)).toEqual(["warn"]);
      });

      it("creates the admin once when two gateways start at the same moment", async () => {
        const results = await Promise.all([
          ensureBootstrapAdmin(users, "admin", "race-password", logger),
          ensureBootstrapAdmin(h.reopen(), "admin", "race-password", logger),
        ]);
        expect(results.sort()).toEqual(["created", "kept"]);
        expect((await users.verify("admin", "race-password"))?.role).toBe("admin");
      });
    });
  });
}
