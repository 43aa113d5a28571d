import { userDirectoryContract } from "./testing/user-directory-contract.ts";
import { MemoryUserDirectory } from "./users.ts";

userDirectoryContract("memory", async () => {
  // Memory users live in one object: "reopening" them is holding the same one.
  const directory = new MemoryUserDirectory();
  return { directory, reopen: () => directory };
});
