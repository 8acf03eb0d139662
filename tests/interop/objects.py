"""objects.py STORE [OTHER]: one line "KEY SHA256" per object of a store,
sorted by key; with OTHER, whether both hold the same objects byte for
byte (exit 0), else the first keys that differ (exit 1).

STORE is a folder (every file but the lock of a partial store, whose
name holds a control character), a zip file (its entries, read by
python's zipfile), or "s3rver:DIR/PREFIX": the objects an s3rver keeps
in DIR (its files KEY._S3rver_object) under PREFIX.  Nothing of zstore
is used: the digests are hashlib's, the zip is zipfile's reading."""
import hashlib
import os
import sys
import zipfile

SUFFIX = "._S3rver_object"


def folder(root, suffix=""):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            if any(ord(c) < 32 for c in n) or not n.endswith(suffix):
                continue
            p = os.path.join(d, n)
            key = os.path.relpath(p, root)[:len(os.path.relpath(p, root)) -
                                            len(suffix)]
            with open(p, "rb") as f:
                out[key] = hashlib.sha256(f.read()).hexdigest()
    return out


def zipped(path):
    out = {}
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            if i.is_dir():
                continue
            if i.filename in out:
                sys.exit("%s: two entries %s" % (path, i.filename))
            out[i.filename] = hashlib.sha256(z.read(i)).hexdigest()
    return out


def read(s):
    if s.startswith("s3rver:"):
        return folder(s[len("s3rver:"):], SUFFIX)
    if os.path.isdir(s):
        return folder(s)
    if os.path.isfile(s):
        return zipped(s)
    return {}


def main():
    a = read(sys.argv[1])
    if len(sys.argv) == 2:
        for k in sorted(a):
            print(k, a[k])
        return
    b = read(sys.argv[2])
    if not a:
        sys.exit("%s holds no object" % sys.argv[1])
    bad = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    for k in bad[:10]:
        print("%s: %s / %s" % (k, a.get(k, "absent"), b.get(k, "absent")))
    sys.exit(1 if bad else 0)


main()
