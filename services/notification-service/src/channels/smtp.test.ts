import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Alert } from "@jts/contracts";
import { PermanentError } from "../retry.ts";
import { SmtpSink } from "../testing/smtp-sink.ts";
import { emailChannel, sendMail } from "./smtp.ts";

const alert: Alert = {
  id: "alert-1",
  severity: "CRITICAL",
  kind: "TRADING_STATE",
  title: "Trading HALTED",
  message: "ACTIVE -> HALTED by root: kill switch",
  account: null,
  tsEvent: "1764236400000000000",
};

describe("SMTP client", () => {
  let sink: SmtpSink;
  beforeEach(() => {
    sink = new SmtpSink();
  });
  afterEach(() => sink.stop());

  it("delivers an alert to a local SMTP server: envelope, headers and body", async () => {
    const channel = emailChannel({
      host: "127.0.0.1",
      port: sink.port,
      from: "jts@example.test",
      to: ["ops@example.test", "lead@example.test"],
      user: "jts",
      password: "s3cret",
    });
    await channel.send(alert);
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0];
    expect(mail?.from).toBe("jts@example.test");
    expect(mail?.to).toEqual(["ops@example.test", "lead@example.test"]);
    expect(mail?.auth).toEqual({ user: "jts", password: "s3cret" });
    expect(mail?.data).toContain("Subject: [JTS] Trading HALTED\r\n");
    expect(mail?.data).toContain("To: ops@example.test, lead@example.test\r\n");
    expect(mail?.data).toContain("Content-Type: text/plain; charset=utf-8\r\n");
    expect(mail?.data).toContain("\r\n\r\n[CRITICAL] Trading HALTED\r\nACTIVE -> HALTED by root: kill switch\r\n");
  });

  it("doubles leading dots so a line of one dot does not end the message, encodes a non-ASCII subject", async () => {
    const options = { host: "127.0.0.1", port: sink.port, from: "a@b.test", to: ["c@d.test"] };
    await sendMail(options, { subject: "손실 경고\r\nBcc: evil@x.test", text: "first\n.\n..two\nlast" });
    const data = sink.received[0]?.data ?? "";
    expect(data).toContain("\r\n\r\nfirst\r\n.\r\n..two\r\nlast\r\n");
    // The injected line break is gone: no Bcc header, and the subject is one encoded word.
    expect(data).not.toMatch(/^Bcc:/m);
    const subject = /^Subject: =\?UTF-8\?B\?(.+)\?=$/m.exec(data)?.[1] ?? "";
    expect(Buffer.from(subject, "base64").toString("utf8")).toBe("손실 경고 Bcc: evil@x.test");
  });

  it("fails temporarily on a 4xx reply and for good on a 5xx one", async () => {
    const options = { host: "127.0.0.1", port: sink.port, from: "a@b.test", to: ["c@d.test"] };
    sink.refuseMail.push("451 4.3.0 try again later", "550 5.7.1 relaying denied");
    const transient = await sendMail(options, { subject: "s", text: "t" }).catch((e: Error) => e);
    expect(transient).toBeInstanceOf(Error);
    expect(transient).not.toBeInstanceOf(PermanentError);
    expect((transient as Error).message).toContain("451");
    const permanent = await sendMail(options, { subject: "s", text: "t" }).catch((e: Error) => e);
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(sink.received).toHaveLength(0);
  });

  it("reports a server that is not there as a temporary failure", async () => {
    const port = sink.port;
    sink.stop();
    const error = await sendMail(
      { host: "127.0.0.1", port, from: "a@b.test", to: ["c@d.test"], timeoutMs: 2000 },
      { subject: "s", text: "t" },
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
  });
});

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI (null when it is missing). */
function selfSignedCertificate(): { cert: string; key: string } | null {
  if (!Bun.which("openssl")) return null;
  const dir = mkdtempSync(join(tmpdir(), "jts-smtp-tls-"));
  try {
    const made = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
        .concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
      { stderr: "ignore", stdout: "ignore" },
    );
    if (made.exitCode !== 0) return null;
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificate = selfSignedCertificate();

describe.skipIf(certificate === null)("SMTP client over implicit TLS (skipped without the openssl CLI)", () => {
  const tlsCert = certificate as { cert: string; key: string };
  let sink: SmtpSink;
  beforeEach(() => {
    sink = new SmtpSink(tlsCert);
  });
  afterEach(() => sink.stop());

  it("delivers to an SMTPS server whose certificate it trusts, credentials included", async () => {
    const options = {
      host: "127.0.0.1",
      port: sink.port,
      from: "a@b.test",
      to: ["c@d.test"],
      tls: "implicit" as const,
    };
    await sendMail({ ...options, tlsCa: tlsCert.cert, user: "jts", password: "pw" }, { subject: "tls", text: "ok" });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.auth).toEqual({ user: "jts", password: "pw" });
  });

  it("sends nothing, password included, to a server whose certificate it cannot verify", async () => {
    const options = {
      host: "127.0.0.1",
      port: sink.port,
      from: "a@b.test",
      to: ["c@d.test"],
      tls: "implicit" as const,
    };
    const error = await sendMail(
      { ...options, user: "jts", password: "pw", timeoutMs: 3000 },
      { subject: "s", text: "t" },
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("not verified");
    expect(sink.received).toHaveLength(0);
  });
});
