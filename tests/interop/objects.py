"""objects.py STORE: one line "KEY SHA256" per object of a store, sorted by
key, for comparing stores of different kinds object for object.

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


def main():
    s = sys.argv[1]
    if s.startswith("s3rver:"):
        got = folder(s[len("s3rver:"):], SUFFIX)
    elif os.path.isdir(s):
        got = folder(s)
    elif os.path.isfile(s):
        got = zipped(s)
    else:
        got = {}
    for k in sorted(got):
        print(k, got[k])


main()
