import type { Alert } from "@jts/contracts";
import type { Socket } from "bun";
import { PermanentError } from "../retry.ts";
import { alertText, type Channel } from "./channel.ts";

export interface SmtpOptions {
  host: string;
  port: number;
  from: string;
  to: readonly string[];
  /** "implicit": TLS from the first byte (SMTPS, usually port 465); "none": plain TCP to a trusted relay. */
  tls?: "none" | "implicit";
  /** PEM of a private CA to trust (besides the system's), for a relay with its own certificate. */
  tlsCa?: string;
  /** AUTH PLAIN when set. Send credentials only over TLS or to a relay on a link you trust. */
  user?: string;
  password?: string;
  /** The name this client gives in EHLO. */
  helo?: string;
  timeoutMs?: number;
}

export interface Mail {
  subject: string;
  text: string;
}

interface Reply {
  code: number;
  text: string;
}

/** Strips what could end a header line early (header injection). */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").trim();

/** RFC 2047 for a subject that is not plain ASCII. */
function encodeHeader(value: string): string {
  const line = oneLine(value);
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line).toString("base64")}?=`;
}

/** The message as it goes after DATA: headers, body with CRLF line ends, leading dots doubled. */
export function formatMessage(options: Pick<SmtpOptions, "from" | "to">, mail: Mail, date = new Date()): string {
  const id = `<${crypto.randomUUID()}@jts>`;
  const headers = [
    `From: ${oneLine(options.from)}`,
    `To: ${options.to.map(oneLine).join(", ")}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: ${id}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  const body = mail.text
    .split(/\r?\n/)
    .map((line) => (line.startsWith(".") ? `.${line}` : line))
    .join("\r\n");
  return `${headers.join("\r\n")}\r\n\r\n${body}\r\n`;
}

/**
 * A minimal SMTP client on Bun's TCP sockets (RFC 5321): greeting, EHLO,
 * optional AUTH PLAIN, MAIL, RCPT per recipient, DATA, QUIT. A 4xx reply or a
 * broken connection throws a plain Error (try again later), a 5xx reply a
 * PermanentError (the server refused for good). TLS is implicit (SMTPS) or
 * none; there is no STARTTLS, so a relay that only offers STARTTLS on 587 is
 * reached through a local relay instead.
 */
export async function sendMail(options: SmtpOptions, mail: Mail): Promise<void> {
  const session = await SmtpSession.open(options, options.timeoutMs ?? 10_000);
  try {
    await session.expect(null, 220);
    await session.expect(`EHLO ${options.helo ?? "jts.localdomain"}`, 250);
    if (options.user !== undefined) {
      const token = Buffer.from(`\0${options.user}\0${options.password ?? ""}`).toString("base64");
      await session.expect(`AUTH PLAIN ${token}`, 235, "AUTH PLAIN");
    }
    await session.expect(`MAIL FROM:<${oneLine(options.from)}>`, 250);
    for (const to of options.to) await session.expect(`RCPT TO:<${oneLine(to)}>`, 250, undefined, [251]);
    await session.expect("DATA", 354);
    await session.expect(`${formatMessage(options, mail)}.`, 250, "message");
    await session.expect("QUIT", 221).catch(() => {}); // the mail is accepted; a rude goodbye changes nothing
  } finally {
    session.close();
  }
}

export function emailChannel(options: SmtpOptions): Channel {
  return {
    name: "email",
    send: (alert: Alert) => sendMail(options, { subject: `[JTS] ${alert.title}`, text: alertText(alert) }),
  };
}

/** One connection: writes commands, reads (multi-line) replies in order. */
class SmtpSession {
  private buffered = "";
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private pendingWrite: Buffer | null = null;
  private drained: (() => void) | null = null;
  private socket!: Socket<undefined>;
  private readonly timer: ReturnType<typeof setTimeout>;

  private constructor(timeoutMs: number) {
    this.timer = setTimeout(() => this.fail(new Error(`SMTP session timed out after ${timeoutMs} ms`)), timeoutMs);
  }

  static async open(options: SmtpOptions, timeoutMs: number): Promise<SmtpSession> {
    const { host, port } = options;
    const session = new SmtpSession(timeoutMs);
    try {
      session.socket = await Bun.connect({
        hostname: host,
        port,
        // Certificate and host name are checked: a relay that cannot prove its name gets no mail and no password.
        ...(options.tls === "implicit"
          ? { tls: { serverName: host, ...(options.tlsCa ? { ca: options.tlsCa } : {}) } }
          : {}),
        socket: {
          data: (_socket, data) => session.receive(data.toString("utf8")),
          drain: () => session.flush(),
          handshake: (_socket, _success, authorizationError) => {
            if (authorizationError) session.fail(new Error(`TLS: ${host} not verified: ${authorizationError.message}`));
          },
          close: () => session.fail(new Error("SMTP server closed the connection")),
          error: (_socket, error) => session.fail(error),
        },
      });
    } catch (error) {
      clearTimeout(session.timer);
      throw new Error(`cannot connect to SMTP server ${host}:${port}: ${(error as Error).message}`);
    }
    return session;
  }

  /** Sends `command` (null: only read, for the greeting) and checks the reply's code. */
  async expect(command: string | null, code: number, label?: string, alsoOk: number[] = []): Promise<Reply> {
    if (command !== null) await this.write(`${command}\r\n`);
    const reply = await this.next();
    if (reply.code === code || alsoOk.includes(reply.code)) return reply;
    const what = label ?? command?.split(" ")[0] ?? "greeting";
    const message = `SMTP ${what} refused: ${reply.code} ${reply.text}`;
    throw reply.code >= 500 ? new PermanentError(message) : new Error(message);
  }

  close() {
    clearTimeout(this.timer);
    this.failure ??= new Error("SMTP session closed");
    this.socket?.end();
  }

  private next(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private receive(text: string) {
    this.buffered += text;
    let end = this.buffered.indexOf("\n");
    while (end >= 0) {
      const line = this.buffered.slice(0, end).replace(/\r$/, "");
      this.buffered = this.buffered.slice(end + 1);
      this.lines.push(line);
      // "250-..." continues a reply, "250 ..." (or a bare "250") ends it.
      if (!/^\d{3}-/.test(line)) this.deliver();
      end = this.buffered.indexOf("\n");
    }
  }

  private deliver() {
    const lines = this.lines.splice(0);
    const last = lines[lines.length - 1] ?? "";
    const code = Number(last.slice(0, 3));
    const reply = {
      code: Number.isInteger(code) ? code : 0,
      text: lines.map((l) => l.slice(4)).join(" "),
    };
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(reply);
    } else this.replies.push(reply);
  }

  private fail(error: Error) {
    if (this.failure) return;
    this.failure = error;
    clearTimeout(this.timer);
    this.drained?.();
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(error);
    }
    this.socket?.end();
  }

  /** Writes all of `text`, waiting for the socket to drain when the kernel buffer is full. */
  private async write(text: string) {
    if (this.failure) throw this.failure;
    this.pendingWrite = Buffer.from(text);
    while (this.pendingWrite && !this.failure) {
      const done = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
      this.flush();
      if (this.pendingWrite) await done;
    }
    if (this.failure) throw this.failure;
  }

  private flush() {
    if (!this.pendingWrite) return;
    const written = this.socket.write(this.pendingWrite);
    this.pendingWrite = written >= this.pendingWrite.length ? null : this.pendingWrite.subarray(Math.max(0, written));
    if (!this.pendingWrite) {
      const drained = this.drained;
      this.drained = null;
      drained?.();
    }
  }
}
