import postgres from "postgres";
const sql = postgres("postgres://jts@127.0.0.1:25432/postgres", { max: 1 });
const n = Number(process.argv[2] ?? 20000);
await sql`select 1`;
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < n; i++) await sql`select ${i}::int as x`;
const c = process.cpuUsage(c0);
console.log("client cpu us/query", ((c.user + c.system) / n).toFixed(1), "sys", (c.system/n).toFixed(1), "wall us", ((performance.now() - t0) * 1000 / n).toFixed(1));
await sql.end();
