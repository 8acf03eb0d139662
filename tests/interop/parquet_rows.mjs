// Read the Parquet files zsel wrote with an independent reader (DuckDB
// or hyparquet) and compare their rows with `zsel --csv` of the same
// selection: the same columns (by name) and, cell by cell, the same
// values once both are in one canonical text form: nulls as "", times
// as ISO 8601 ("2019-07-01T06:00:00", fractions without trailing zeros),
// FLOAT columns rounded to float32 on both sides, integers as integers.
// Rows must come in the CSV's order, except for partitioned output,
// whose rows are compared as sorted lists (readers list folders in their
// own order).  Prints "PASS N rows, M columns (TYPES)" or "FAIL: ...".
//
// Usage: node parquet_rows.mjs NODE_MODULES duckdb|hyparquet CSV DIR
//        [PARTITION_DIM]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [npm, reader, csvPath, dir, part] = process.argv.slice(2);

async function load(pkg) {
    const root = join(npm, pkg);
    const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    let e = meta.exports?.["."] ?? meta.module ?? meta.main;
    while (e && typeof e === "object")
        e = e.node ?? e.import ?? e.default;
    return import(pathToFileURL(join(root, e)).href);
}

// CSV as written by zsel: quotes only where needed.
function parseCsv(text) {
    const rows = [];
    let row = [], cell = "", q = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (q) {
            if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
            else if (c === '"') q = false;
            else cell += c;
        } else if (c === '"') q = true;
        else if (c === ",") { row.push(cell); cell = ""; }
        else if (c === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; }
        else cell += c;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
}

function isoFraction(s) {
    const m = /^(.*T\d\d:\d\d:\d\d)(\.\d*)?$/.exec(s.replace(" ", "T"));
    if (!m) return s;
    const f = (m[2] ?? "").replace(/0+$/, "");
    return m[1] + (f === "." ? "" : f);
}

function isoOfMicros(us) {
    us = BigInt(us);
    const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
    const rest = us - ms * 1000n;
    const d = new Date(Number(ms)).toISOString();   // ...T..:..:..sssZ
    let frac = d.slice(19, 23) + rest.toString().padStart(3, "0");
    return isoFraction(d.slice(0, 19) + frac);
}

// The canonical text of a cell of type t ("TIMESTAMP", "FLOAT",
// "DOUBLE", "INT", "STRING").
function canonCsv(t, s) {
    if (s === "") return "";
    switch (t) {
    case "TIMESTAMP": return isoFraction(s);
    case "FLOAT": return String(Math.fround(Number(s)));
    case "DOUBLE": return String(Number(s));
    case "INT": return BigInt(s).toString();
    default: return s;
    }
}

function canonValue(t, v) {
    if (v === null || v === undefined) return "";
    if (t === "TIMESTAMP") {
        if (typeof v === "bigint") return isoOfMicros(v);
        if (v.micros !== undefined) return isoOfMicros(v.micros);
        return isoFraction(String(v));
    }
    if (t === "FLOAT") return String(Math.fround(Number(v)));
    if (t === "DOUBLE") return String(Number(v));
    if (t === "INT") return BigInt(v).toString();
    return String(v);
}

function files(d) {
    const out = [];
    for (const e of readdirSync(d).sort()) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) out.push(...files(p));
        else if (e.endsWith(".parquet")) out.push(p);
    }
    return out;
}

function duckType(t) {
    if (t.startsWith("TIMESTAMP")) return "TIMESTAMP";
    if (t === "FLOAT") return "FLOAT";
    if (t === "DOUBLE") return "DOUBLE";
    if (/INT/.test(t)) return "INT";
    return "STRING";
}

async function readDuck() {
    const { DuckDBInstance } = await load("@duckdb/node-api");
    const con = await (await DuckDBInstance.create(":memory:")).connect();
    const src = part ? `read_parquet('${dir}/**/*.parquet', ` +
                       "hive_partitioning = true)"
                     : `read_parquet('${dir}/*.parquet')`;
    const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`))
        .getRowObjects();
    const types = {};
    for (const d of desc) types[d.column_name] = duckType(d.column_type);
    const rows = (await con.runAndReadAll(`SELECT * FROM ${src}`))
        .getRowObjects();
    return { types, rows };
}

function hyType(el) {
    const lt = el.logical_type?.type, ct = el.converted_type;
    if (lt === "TIMESTAMP" || ct === "TIMESTAMP_MICROS") return "TIMESTAMP";
    if (el.type === "FLOAT") return "FLOAT";
    if (el.type === "DOUBLE") return "DOUBLE";
    if (el.type === "INT32" || el.type === "INT64") return "INT";
    return "STRING";
}

async function readHy() {
    const hy = await load("hyparquet");   // its node entry point
    const { compressors } = await load("hyparquet-compressors");
    const parsers = { timestampFromMicroseconds: v => BigInt(v) };
    const types = {}, rows = [];
    for (const f of files(dir)) {
        const file = await hy.asyncBufferFromFile(f);
        const meta = await hy.parquetMetadataAsync(file);
        for (const el of meta.schema.slice(1)) types[el.name] = hyType(el);
        const got = await hy.parquetReadObjects({ file, compressors,
                                                   parsers });
        // the partition's label is the folder name, as text
        const m = part && new RegExp(`/${part}=([^/]*)/`).exec(f);
        if (part) types[part] = "LABEL";
        for (const r of got) {
            if (part) r[part] = m[1];
            rows.push(r);
        }
    }
    return { types, rows };
}

const csv = parseCsv(readFileSync(csvPath, "utf8"));
const head = csv.shift();
const { types, rows } = reader === "duckdb" ? await readDuck()
                                            : await readHy();
const fail = m => { console.log("FAIL: " + m); process.exit(1); };
const names = Object.keys(types);
if (names.length !== head.length ||
    !head.every(h => names.includes(h)))
    fail(`columns ${JSON.stringify(names)}, --csv has ` +
         JSON.stringify(head));
if (rows.length !== csv.length)
    fail(`${rows.length} rows, --csv has ${csv.length}`);
const label = (h, s) => {   // a folder label against a CSV cell
    if (s === "" || s === "__HIVE_DEFAULT_PARTITION__") return "";
    if (/^-?\d/.test(s) && !/\d-\d/.test(s)) return String(Number(s));
    return isoFraction(s);
};
const ours = csv.map(r => head.map((h, j) => types[h] === "LABEL"
    ? label(h, r[j]) : canonCsv(types[h], r[j])).join("\t"));
const theirs = rows.map(r => head.map(h => types[h] === "LABEL"
    ? label(h, String(r[h])) : canonValue(types[h], r[h])).join("\t"));
if (part) {
    ours.sort();
    theirs.sort();
}
for (let i = 0; i < ours.length; i++)
    if (ours[i] !== theirs[i])
        fail(`row ${i + 1}: ${reader} has\n  ${theirs[i]}\n--csv has\n  ` +
             ours[i]);
console.log(`PASS ${rows.length} rows, ${head.length} columns (` +
            head.map(h => types[h]).join(" ") + ")");
