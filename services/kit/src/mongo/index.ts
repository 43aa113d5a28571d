export { MongoDocumentStore } from "./document-store.ts";
