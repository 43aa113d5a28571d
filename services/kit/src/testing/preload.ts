import { setDefaultTimeout } from "bun:test";

// Tests and hooks that start real servers (initdb, a Kafka group join) can
// take several seconds on a busy 2-core machine; 5 s made them flaky.
setDefaultTimeout(30_000);
