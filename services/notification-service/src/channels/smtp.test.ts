import { afterEach, beforeEach, describe, expect, it } from "bun:test";
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
