/** Prints a fresh VAPID key pair as environment lines: `bun services/notification-service/src/push/keygen.ts`. */
import { generateVapidKeys } from "./vapid.ts";

const { publicKey, privateKey } = generateVapidKeys();
console.log(`VAPID_PUBLIC_KEY=${publicKey}\nVAPID_PRIVATE_KEY=${privateKey}`);
