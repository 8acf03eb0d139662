#!/usr/bin/python3
"""codec_store.py - a Zarr v2 store whose arrays use bz2 and numcodecs'
checksums, written by python3-zarr 2.13 with numcodecs 0.11, for
codec-numcodecs.sh.

  codec_store.py write DIR   write DIR; print "SHA256  ARRAY" for every
                             array: NumPy's digest of the values written
                             (C order, little-endian), which zinfo
                             --checksum must print
  codec_store.py write3 DIR  the same for a Zarr v3 store written here,
                             its chunks framed by Python's zlib and bz2
                             under the names numcodecs.adler32,
                             numcodecs.crc32 and numcodecs.bz2
  codec_store.py compare SRC OUT Y0 Y1
                             python3-zarr reads OUT (written by zsel
                             -i y=Y0:Y1 from SRC): for every array print
                             "NAME ok" if it has SRC's filters and
                             compressor and the values SRC[Y0:Y1], else
                             "NAME FAIL reason"

Array f has the fletcher32 compressor, which numcodecs 0.11 lacks: its
chunks are framed by HDF5's fletcher32 filter through h5py (left out,
with "SKIP  f  reason", when h5py is absent), and compare has HDF5
check and unframe every chunk of OUT/f.
"""
import bz2
import hashlib
import json
import os
import sys
import tempfile
import zlib

import numcodecs as nc
import numpy as np
import zarr

# name: (dtype, chunks, compressor, filters, order)
ARRAYS = {
    'a': ('<f8', (16, 20), nc.BZ2(9), [nc.Delta('<f8'), nc.CRC32()], 'C'),
    'b': ('<i2', (7, 50), nc.BZ2(1), [nc.Adler32()], 'C'),
    'c': ('|u1', (40, 13), nc.Blosc('zstd', 3, 2), [nc.CRC32(),
                                                     nc.Adler32()], 'C'),
    'd': ('<f4', (10, 10), nc.CRC32(), None, 'C'),
    'e': ('>i4', (40, 50), nc.BZ2(5), [nc.Adler32()], 'F'),
    'g': ('<i8', (9, 9), nc.Adler32(), [nc.Delta('<i8')], 'C'),
}


def values(dtype):
    rng = np.random.default_rng(7)
    base = np.arange(2000).reshape(40, 50) * 0.37 + rng.normal(
        size=(40, 50)) + 5
    scale = {'f': 1, 'i': 1000, 'u': 0.3}[np.dtype(dtype).kind]
    return (base * scale).astype(dtype)


def digest(v):
    v = np.ascontiguousarray(v)
    if v.dtype.byteorder == '>':
        v = v.byteswap().view(v.dtype.newbyteorder('<'))
    return hashlib.sha256(v.tobytes()).hexdigest()


def h5_frame(raw):
    import h5py
    fd, path = tempfile.mkstemp(suffix='.h5')
    os.close(fd)
    try:
        with h5py.File(path, 'w') as f:
            d = f.create_dataset('x', shape=(len(raw),), dtype='u1',
                                 chunks=(len(raw),), fletcher32=True)
            d[...] = np.frombuffer(raw, dtype='u1')
            return bytes(d.id.read_direct_chunk((0,))[1])
    finally:
        os.unlink(path)


def h5_unframe(frame):
    """HDF5 checks the checksum when it reads the chunk back."""
    import h5py
    fd, path = tempfile.mkstemp(suffix='.h5')
    os.close(fd)
    try:
        with h5py.File(path, 'w') as f:
            d = f.create_dataset('x', shape=(len(frame) - 4,), dtype='u1',
                                 chunks=(len(frame) - 4,), fletcher32=True)
            d.id.write_direct_chunk((0,), frame)
            return d[...].tobytes()
    finally:
        os.unlink(path)


def read_fletcher(top):
    """The values of TOP/f, every chunk unframed by HDF5."""
    with open(os.path.join(top, 'f', '.zarray')) as fh:
        meta = json.load(fh)
    if meta['compressor'] != {'id': 'fletcher32'} or meta['filters']:
        raise ValueError('codecs %r %r' % (meta['filters'],
                                           meta['compressor']))
    shape, chunks = meta['shape'], meta['chunks']
    sep = meta.get('dimension_separator', '.')
    v = np.zeros(shape, dtype=meta['dtype'])
    for i in range(0, shape[0], chunks[0]):
        for j in range(0, shape[1], chunks[1]):
            key = '%d%s%d' % (i // chunks[0], sep, j // chunks[1])
            with open(os.path.join(top, 'f', key), 'rb') as fh:
                c = np.frombuffer(h5_unframe(fh.read()), dtype=v.dtype)
            c = c.reshape(chunks)
            part = v[i:i + chunks[0], j:j + chunks[1]]
            part[...] = c[:part.shape[0], :part.shape[1]]
    return v


def fletcher_array(top, g):
    """f: uint8 chunks of 225 bytes (an odd length puts a lone byte in
    the sum), uncompressed, then each framed by HDF5."""
    try:
        import h5py  # noqa: F401
    except ImportError:
        print('SKIP  f  h5py is absent (fletcher32 reference)')
        return
    v = values('|u1')
    g.create_dataset('f', data=v, chunks=(15, 15), compressor=None)
    g['f'].attrs['_ARRAY_DIMENSIONS'] = ['y', 'x']
    d = os.path.join(top, 'f')
    for key in os.listdir(d):
        if key.startswith('.'):
            continue
        with open(os.path.join(d, key), 'rb') as fh:
            raw = fh.read()
        with open(os.path.join(d, key), 'wb') as fh:
            fh.write(h5_frame(raw))
    with open(os.path.join(d, '.zarray')) as fh:
        meta = json.load(fh)
    meta['compressor'] = {'id': 'fletcher32'}
    with open(os.path.join(d, '.zarray'), 'w') as fh:
        json.dump(meta, fh)
    print('%s  f' % digest(v))


def write(top):
    g = zarr.open_group(top, mode='w')
    for name, (dtype, chunks, comp, filters, order) in ARRAYS.items():
        v = values(dtype)
        g.create_dataset(name, data=v, chunks=chunks, compressor=comp,
                         filters=filters, order=order)
        g[name].attrs['_ARRAY_DIMENSIONS'] = ['y', 'x']
        print('%s  %s' % (digest(v), name))
    fletcher_array(top, g)
    zarr.consolidate_metadata(top)


# v3 name: (codecs after "bytes", each (name, configuration); chunk rows)
ARRAYS3 = {
    't': ([('numcodecs.adler32', {'location': 'end'}),
           ('numcodecs.bz2', {'level': 3})], 16),
    'u': ([('numcodecs.crc32', {})], 40),
}


def frame3(raw, codecs):
    for name, cfg in codecs:
        cid = name.split('.')[-1]
        if cid == 'bz2':
            raw = bz2.compress(raw, cfg['level'])
        else:
            fn = zlib.adler32 if cid == 'adler32' else zlib.crc32
            s = (fn(raw) & 0xffffffff).to_bytes(4, 'little')
            raw = raw + s if cfg.get('location') == 'end' else s + raw
    return raw


def write3(top):
    os.makedirs(top)
    with open(os.path.join(top, 'zarr.json'), 'w') as f:
        json.dump({'zarr_format': 3, 'node_type': 'group',
                   'attributes': {}}, f)
    for name, (codecs, rows) in ARRAYS3.items():
        v = values('<f4')
        meta = {'zarr_format': 3, 'node_type': 'array', 'shape': [40, 50],
                'data_type': 'float32', 'chunk_grid': {
                    'name': 'regular',
                    'configuration': {'chunk_shape': [rows, 50]}},
                'chunk_key_encoding': {'name': 'default'},
                'fill_value': 0.0, 'dimension_names': ['y', 'x'],
                'codecs': [{'name': 'bytes',
                            'configuration': {'endian': 'little'}}] +
                [{'name': n, 'configuration': c} for n, c in codecs]}
        os.makedirs(os.path.join(top, name))
        with open(os.path.join(top, name, 'zarr.json'), 'w') as f:
            json.dump(meta, f)
        for i in range(0, 40, rows):
            part = np.zeros((rows, 50), dtype='<f4')
            part[:min(rows, 40 - i)] = v[i:i + rows]
            d = os.path.join(top, name, 'c', str(i // rows))
            os.makedirs(d)
            with open(os.path.join(d, '0'), 'wb') as f:
                f.write(frame3(part.tobytes(), codecs))
        print('%s  %s' % (digest(v), name))


def compare(src, out, y0, y1):
    s = zarr.open_group(src, mode='r')
    o = zarr.open_group(out, mode='r')
    if 'f' in s:
        try:
            ok = np.array_equal(read_fletcher(out), values('|u1')[y0:y1])
            print('f', 'ok' if ok else 'FAIL values differ')
        except Exception as e:
            print('f', 'FAIL', type(e).__name__, str(e)[:200])
    for name in ARRAYS:
        try:
            a, b = s[name], o[name]
            if (a.compressor != b.compressor or
                    (a.filters or []) != (b.filters or [])):
                print(name, 'FAIL codecs %r %r, source %r %r' % (
                    b.filters, b.compressor, a.filters, a.compressor))
            elif not np.array_equal(a[y0:y1], b[...]):
                print(name, 'FAIL values differ')
            else:
                print(name, 'ok')
        except Exception as e:  # report, do not stop the other arrays
            print(name, 'FAIL', type(e).__name__, str(e)[:200])


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'write':
        write(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == 'write3':
        write3(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == 'compare':
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                int(sys.argv[5]))
    else:
        sys.exit('usage: codec_store.py write|write3 DIR | '
                 'compare SRC OUT Y0 Y1')
