// zarrita (an independent Zarr v2/v3 reader, sharding included) reads
// every array a store's consolidated metadata lists, and prints
// "SHA256  PATH" sorted by path, as `zinfo --checksum` does: the values
// in C order as little-endian bytes of the stored type; variable-length
// strings as a 4-byte little-endian length and the UTF-8 bytes of each.
//
// Usage: node zarrita_digest.mjs NODE_MODULES_DIR STORE
// STORE: a folder (v2 .zmetadata or v3 zarr.json with inline
// consolidated metadata), a .zip, or http(s)://.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [npm, where] = process.argv.slice(2);

async function load(pkg, sub) {
    const dir = join(npm, pkg);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const exp = meta.exports?.[sub]?.import ??
        (sub === "." ? meta.module ?? meta.main : null);
    return import(pathToFileURL(join(dir, exp)).href);
}

const zarr = await load("zarrita", ".");
let store;
if (/^https?:\/\//.test(where)) {
    store = new (await load("@zarrita/storage", "./fetch")).default(where);
} else if (where.endsWith(".zip")) {
    const Zip = (await load("@zarrita/storage", "./zip")).default;
    store = Zip.fromBlob(new Blob([readFileSync(where)]));
} else {
    store = new (await load("@zarrita/storage", "./fs")).default(where);
}

const text = async (key) => {
    const b = await store.get(key);
    return b ? JSON.parse(new TextDecoder().decode(b)) : null;
};

// The arrays, from the consolidated metadata of either format.
let paths = [];
const v3 = await text("/zarr.json");
if (v3) {
    const md = v3.consolidated_metadata?.metadata ?? {};
    paths = Object.keys(md).filter((k) => md[k].node_type === "array");
} else {
    const md = (await text("/.zmetadata")).metadata;
    paths = Object.keys(md).filter((k) => k.endsWith(".zarray"))
        .map((k) => k.slice(0, -".zarray".length - 1));
}
paths.sort();

function digest(data) {
    const h = createHash("sha256");
    if (Array.isArray(data)) {       // variable-length strings
        for (const s of data) {
            const u = Buffer.from(s ?? "", "utf8");
            const len = Buffer.alloc(4);
            len.writeUInt32LE(u.length);
            h.update(len).update(u);
        }
    } else if (data.buffer) {        // typed arrays (little-endian host)
        h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } else {                         // BoolArray and friends
        const raw = data._bytes ?? data._data;
        h.update(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    }
    return h.digest("hex");
}

// A 0-d array comes back as a scalar: one element of its type.
const typed = {
    int8: Int8Array, int16: Int16Array, int32: Int32Array,
    int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array,
    uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array,
    float64: Float64Array,
};

const root = zarr.root(store);
for (const path of paths) {
    const arr = await zarr.open(root.resolve(path), { kind: "array" });
    let got = await zarr.get(arr);
    if (got?.data === undefined)
        got = { data: typeof got === "string" ? [got]
                      : typed[arr.dtype].of(got), shape: [], stride: [] };
    const { data, shape, stride } = got;
    let want = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
        if (shape[i] > 1 && stride[i] !== want)
            throw new Error(`${path}: not in C order`);
        want *= shape[i];
    }
    console.log(`${digest(data)}  ${path}`);
}
