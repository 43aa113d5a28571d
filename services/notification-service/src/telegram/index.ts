import { type DocumentStore, Subjects, type Subscription, Topics, type VenueStatus } from "@jts/contracts";
import { type Logger, type Runtime, rpcClient, serve } from "@jts/kit";
import { TelegramBot } from "./bot.ts";
import { BotApi } from "./bot-api.ts";
import { telegramCommands } from "./commands.ts";
import type { TelegramBotSettings } from "./config.ts";
import { Confirmations } from "./confirmations.ts";
import { LinkBook } from "./links.ts";
import { OffsetStore } from "./offset.ts";
import { startPolling, webhookHandler } from "./transport.ts";

export { telegramAlertChannel } from "./alerts.ts";
export { TelegramBot } from "./bot.ts";
export { BotApi } from "./bot-api.ts";
export {
  type TelegramAlertSettings,
  type TelegramBotSettings,
  telegramBotConfigSpec,
  telegramBotSettings,
} from "./config.ts";
export { LinkBook } from "./links.ts";

/**
 * The two-way Telegram bot: link codes served on rpc (the gateway's
 * /api/telegram/link asks for them), links dropped when their user changes,
 * venue reports remembered for /status, and updates taken by long polling or
 * a webhook listener. `settings` undefined: only the link rpc runs (codes can
 * be handed out; nothing answers them).
 */
export function createTelegramBot(
  runtime: Runtime,
  documents: DocumentStore,
  settings: TelegramBotSettings | undefined,
  parentLogger: Logger,
) {
  const logger = parentLogger.child({ component: "telegram-bot" });
  const { call } = rpcClient(runtime.rpc);
  const links = new LinkBook(
    documents,
    logger,
    (username) => call(Subjects.userState, { username }),
    settings?.linkCodeTtlMs,
  );
  const offset = new OffsetStore(documents);
  const venues = new Map<string, VenueStatus>();
  const api = settings ? new BotApi(settings.token, settings.baseUrl) : null;
  const commands = telegramCommands({
    call,
    confirmations: new Confirmations(settings?.confirmTtlMs ?? 60_000),
    venues: () => venues,
  });
  const bot = api
    ? new TelegramBot({
        api,
        links,
        offset,
        commands,
        logger,
        refusalIntervalMs: settings?.refusalIntervalMs ?? 3_600_000,
      })
    : null;
  const subscriptions: Subscription[] = [];
  let polling: { stop(): Promise<void> } | null = null;
  let server: ReturnType<typeof Bun.serve> | null = null;
  let sweep: ReturnType<typeof setInterval> | undefined;

  return {
    bot,
    links,
    /** The webhook listener's port once started (0 in the settings picks a free one). */
    get webhookPort() {
      return server?.port;
    },
    async start() {
      subscriptions.push(
        await serve(runtime.rpc, Subjects.telegramLinkCode, ({ user, role }) => links.issueCode(user, role)),
        await serve(runtime.rpc, Subjects.telegramUnlink, async ({ user }) => ({
          unlinked: await links.unlinkUser(user),
        })),
        // A new role, a disabled user, a new password: the user links again (a new code), with the role they have now.
        await runtime.bus.subscribe(Topics.userChanged, async (e) => {
          await links.userChanged(e.payload.username);
        }),
        await runtime.bus.subscribe(Topics.venueStatus, (e) => {
          const status = e.payload;
          venues.set(status.venue, status);
        }),
      );
      sweep = setInterval(() => links.sweepCodes().catch(() => {}), 60_000);
      if (!settings || !api || !bot) return;
      await offset.load();
      if (settings.mode === "polling") {
        await api
          .deleteWebhook()
          .catch((error) => logger.warn("telegram deleteWebhook failed", { error: error.message }));
        polling = startPolling({ api, bot, offset, logger, timeoutS: settings.pollTimeoutS });
        logger.info("telegram commands: long polling", { offset: offset.current });
      } else if (settings.webhook) {
        const { secret, hostname, port, url } = settings.webhook;
        server = Bun.serve({ hostname, port, fetch: webhookHandler({ bot, secret, logger }) });
        await api.setWebhook(url, secret);
        logger.info("telegram commands: webhook", { port: server.port });
      }
    },
    async stop() {
      clearInterval(sweep);
      await polling?.stop();
      polling = null;
      server?.stop(true);
      server = null;
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  };
}
