import type { Socket, TCPSocketListener } from "bun";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Everything between DATA and the final dot, dot-stuffing undone, CRLF line ends. */
  data: string;
  /** The AUTH PLAIN credentials, decoded, when the client sent them. */
  auth: { user: string; password: string } | null;
}

interface Session {
  buffer: string;
  inData: boolean;
  mail: ReceivedMail;
}

/**
 * A tiny SMTP server for tests, on 127.0.0.1 and a free port: it speaks just
 * enough RFC 5321 for a client to deliver, and keeps what it received.
 * `refuseMail` makes the next MAIL commands answer with the given replies
 * first (e.g. "451 try later"), to exercise retries and permanent refusals.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  readonly refuseMail: string[] = [];
  connections = 0;
  private readonly server: TCPSocketListener<Session>;

  /** With `tls`, the sink speaks SMTPS (TLS from the first byte). */
  constructor(tls?: { cert: string; key: string }) {
    this.server = Bun.listen<Session>({
      hostname: "127.0.0.1",
      port: 0,
      ...(tls ? { tls } : {}),
      socket: {
        open: (socket) => {
          this.connections++;
          socket.data = { buffer: "", inData: false, mail: { from: "", to: [], data: "", auth: null } };
          socket.write("220 sink.test ESMTP ready\r\n");
        },
        data: (socket, chunk) => this.receive(socket, chunk.toString("utf8")),
      },
    });
  }

  get port(): number {
    return this.server.port;
  }

  stop() {
    this.server.stop(true);
  }

  private receive(socket: Socket<Session>, text: string) {
    const s = socket.data;
    s.buffer += text;
    for (;;) {
      if (s.inData) {
        const end = s.buffer.indexOf("\r\n.\r\n");
        if (end < 0) return;
        const raw = s.buffer.slice(0, end + 2);
        s.buffer = s.buffer.slice(end + 5);
        s.inData = false;
        s.mail.data = raw.replace(/^\.\./gm, ".");
        this.received.push(s.mail);
        s.mail = { from: "", to: [], data: "", auth: s.mail.auth };
        socket.write("250 2.0.0 queued\r\n");
        continue;
      }
      const end = s.buffer.indexOf("\r\n");
      if (end < 0) return;
      const line = s.buffer.slice(0, end);
      s.buffer = s.buffer.slice(end + 2);
      socket.write(this.answer(s, line));
    }
  }

  private answer(s: Session, line: string): string {
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === "EHLO") return "250-sink.test greets you\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n";
    if (verb === "AUTH") {
      const [, user = "", password = ""] = Buffer.from(line.split(" ")[2] ?? "", "base64")
        .toString("utf8")
        .split("\0");
      s.mail.auth = { user, password };
      return "235 2.7.0 authenticated\r\n";
    }
    if (verb === "MAIL") {
      const refusal = this.refuseMail.shift();
      if (refusal) return `${refusal}\r\n`;
      s.mail.from = /<(.*)>/.exec(line)?.[1] ?? "";
      return "250 2.1.0 ok\r\n";
    }
    if (verb === "RCPT") {
      s.mail.to.push(/<(.*)>/.exec(line)?.[1] ?? "");
      return "250 2.1.5 ok\r\n";
    }
    if (verb === "DATA") {
      s.inData = true;
      return "354 end with <CRLF>.<CRLF>\r\n";
    }
    if (verb === "QUIT") return "221 2.0.0 bye\r\n";
    return "502 5.5.2 not implemented\r\n";
  }
}
