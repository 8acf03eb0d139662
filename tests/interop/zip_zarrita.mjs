// zarrita (with @zarrita/storage's ZipFileStore over unzipit) reads the
// arrays of a Zarr v2 zip file; prints "SHA256 DTYPE SHAPE PATH" per
// array as tests/interop/zip_oracle.py digests does: raw values, C order,
// little-endian.
//
// Usage: node zip_zarrita.mjs NODE_MODULES_DIR ZIP ARRAY...
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [npm, zipPath, ...arrays] = process.argv.slice(2);

async function load(pkg, sub) {
    const dir = join(npm, pkg);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const exp = meta.exports?.[sub]?.import ??
        (sub === "." ? meta.module ?? meta.main : null);
    return import(pathToFileURL(join(dir, exp)).href);
}

const numpy = {
    int8: "i1", int16: "i2", int32: "i4", int64: "i8",
    uint8: "u1", uint16: "u2", uint32: "u4", uint64: "u8",
    float32: "f4", float64: "f8",
};

const zarr = await load("zarrita", ".");
const ZipFileStore = (await load("@zarrita/storage", "./zip")).default;
const store = ZipFileStore.fromBlob(new Blob([readFileSync(zipPath)]));
const root = zarr.root(store);
for (const path of arrays) {
    const arr = await zarr.open.v2(root.resolve(path), { kind: "array" });
    const { data, shape, stride } = await zarr.get(arr);
    let want = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
        if (shape[i] > 1 && stride[i] !== want)
            throw new Error(`${path}: not in C order`);
        want *= shape[i];
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const sum = createHash("sha256").update(bytes).digest("hex");
    console.log(`${sum} ${numpy[arr.dtype] ?? arr.dtype} ` +
        `${shape.join("x") || "scalar"} ${path}`);
}
