#!/usr/bin/python3
"""codec_oracle.py - numcodecs (and NumPy) as the reference for zstore's
codecs.  Run with /usr/bin/python3, which has numcodecs 0.11.  Where
numcodecs 0.11 has no reference (crc32 and adler32 with the checksum at
the end, fletcher32), Python's zlib and HDF5 through h5py are the
reference.

  codec_oracle.py gen DIR    write the cases: DIR/NAME.raw (decoded bytes,
                             as zs-codec-cli reads and writes them),
                             DIR/NAME.enc (encoded by the reference),
                             DIR/NAME.ref (NAME.enc decoded by the
                             reference: NAME.raw unless the codec is
                             lossy) and
                             DIR/manifest, one tab-separated line per case:
                             name, mode (both|decode), dtype, shape,
                             exact (1 if our encoding must be the same
                             bytes), zs-codec-cli codec arguments
  codec_oracle.py check DIR  decode every DIR/NAME.ours (our encoding)
                             with the reference and compare with NAME.ref;
                             print "NAME ok" or "NAME FAIL reason"

Cases are generated from a fixed seed, so gen and check agree.
"""
import gzip
import subprocess
import sys
import warnings
import zlib

import numpy as np
import numcodecs
from numcodecs.compat import ensure_ndarray

warnings.simplefilter("ignore")

ALL_DTYPES = ['|b1', '|i1', '|u1', '<i2', '<u2', '>i2', '<f2', '<i4',
              '<u4', '<f4', '>f4', '<i8', '<u8', '<f8', '>f8', '|S7',
              '<U5']
SIZES = [0, 1, 100, 5000, (37, 53)]


def tobytes(x):
    return ensure_ndarray(x).tobytes()


def make_array(rng, dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    wave = 100 * np.sin(np.arange(n) * 0.01) + rng.integers(-8, 8, n)
    if dt.kind == 'b':
        a = rng.integers(0, 2, n).astype(dt)
    elif dt.kind in 'iu':
        v = np.abs(wave) if dt.kind == 'u' else wave
        a = v.astype(dt)
    elif dt.kind == 'f':
        a = (wave + 0.001 * np.arange(n)).astype(dt)
    elif dt.kind == 'S':
        a = np.array([b'x%d' % (i % 997) for i in range(n)], dtype=dt)
    else:
        a = np.array(['\u00e9%d' % (i % 97) for i in range(n)], dtype=dt)
    return a.reshape(shape)


def make_strings(rng, n, binary):
    pool = ['', 'a', 'h\u00e9llo', '\u20ac', 'x y', 'line\nbreak',
            '\U0001f600 smile', 'z' * 300]
    out = [pool[int(rng.integers(0, len(pool)))] + str(i) * (i % 3)
           for i in range(n)]
    if binary:
        return np.array([s.encode('utf-8') + b'\x01\xff' for s in out],
                        dtype=object)
    return np.array(out, dtype=object)


def strings_raw(arr):
    return b''.join((s if isinstance(s, bytes) else s.encode('utf-8')) +
                    b'\0' for s in arr.ravel())


def crc32c(data):
    """Bitwise CRC-32C, independent of zstore's table-driven one."""
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def cli_value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(str(x) for x in v) + ']'
    return str(v)


def cli_args(chain):
    """[(id, config dict)] -> zs-codec-cli arguments."""
    parts = []
    for cid, cfg in chain:
        parts.append(' '.join([cid] + ['%s=%s' % (k, cli_value(v))
                                       for k, v in cfg.items()]))
    return ' + '.join(parts)


class Case:
    def __init__(self, name, dtype, shape, chain, raw, enc, decode,
                 exact=False, mode='both', cli_dtype=None):
        self.name = name
        self.dtype = cli_dtype or dtype
        self.shape = shape if isinstance(shape, tuple) else (shape,)
        self.args = cli_args(chain)
        self.raw = raw
        self.enc = enc
        self.decode = decode  # encoded bytes -> raw bytes
        self.exact = exact
        self.mode = mode


def safe(s):
    return (s.replace('<', 'l').replace('>', 'b').replace('|', 'n')
            .replace(' ', ''))


def numcodecs_case(name, dtype, shape, chain, arr, exact=False):
    """Filters then compressor, as zarr v2 applies them."""
    codecs = [numcodecs.get_codec(dict(id=cid, **cfg)) for cid, cfg in chain]
    x = arr
    for c in codecs:
        x = c.encode(x)
    enc = tobytes(x) if not isinstance(x, bytes) else x
    is_str = arr.dtype == object

    def decode(buf, codecs=codecs, arr=arr):
        y = buf
        for c in reversed(codecs):
            y = c.decode(y)
        if is_str:
            return strings_raw(np.asarray(y, dtype=object))
        return tobytes(y)

    raw = strings_raw(arr) if is_str else arr.tobytes()
    return Case(name, dtype, shape, chain, raw, enc, decode, exact)


def compressor_cases(rng):
    configs = []
    for cname in ['lz4', 'lz4hc', 'blosclz', 'zstd', 'zlib']:
        for shuffle in [0, 1, 2, -1]:
            configs.append(('blosc', dict(cname=cname, clevel=5,
                                          shuffle=shuffle, blocksize=0)))
    for clevel, bs in [(0, 0), (1, 0), (9, 0), (5, 1024), (9, 200)]:
        configs.append(('blosc', dict(cname='lz4', clevel=clevel,
                                      shuffle=1, blocksize=bs)))
    configs += [('zstd', dict(level=l)) for l in [1, 3, 9, 19, -3]]
    configs += [('lz4', dict(acceleration=a)) for a in [1, 10, 100]]
    configs += [('zlib', dict(level=l)) for l in [0, 1, 6, 9]]
    configs += [('gzip', dict(level=l)) for l in [1, 5, 9]]
    cases = []
    for i, (cid, cfg) in enumerate(configs):
        for k in range(4):
            dtype = ALL_DTYPES[(i * 4 + k) % len(ALL_DTYPES)]
            shape = SIZES[(i + k) % len(SIZES)]
            if shape == 0 and cid not in ('zlib', 'gzip'):
                shape = 7  # numcodecs 0.11 fails on its own empty frames
            arr = make_array(rng, dtype, shape)
            name = safe('%s-%s-%s-%s' % (cid, '-'.join(
                str(v) for v in cfg.values()), dtype,
                'x'.join(map(str, np.shape(arr)))))
            cases.append(numcodecs_case(name, dtype, np.shape(arr),
                                        [(cid, cfg)], arr))
    return cases


FILTERS = [
    ('<i2', ('delta', dict(dtype='<i2'))),
    ('<i2', ('delta', dict(dtype='<i2', astype='<i1'))),
    ('|u1', ('delta', dict(dtype='|u1'))),
    ('>i4', ('delta', dict(dtype='>i4'))),
    ('<i4', ('delta', dict(dtype='<i4', astype='>i8'))),
    ('<u8', ('delta', dict(dtype='<u8'))),
    ('<i8', ('delta', dict(dtype='<i8', astype='<f8'))),
    ('<f4', ('delta', dict(dtype='<f4'))),
    ('<f8', ('delta', dict(dtype='<f8', astype='<f4'))),
    ('<f2', ('delta', dict(dtype='<f2'))),
    ('<f4', ('delta', dict(dtype='<f4', astype='<i2'))),
    ('<u2', ('delta', dict(dtype='<u2', astype='<f4'))),
    ('<i4', ('shuffle', dict(elementsize=4))),
    ('<i2', ('shuffle', dict(elementsize=2))),
    ('<f8', ('shuffle', dict(elementsize=8))),
    ('|S7', ('shuffle', dict(elementsize=7))),
    ('<i8', ('shuffle', dict(elementsize=1))),
    ('<f8', ('fixedscaleoffset', dict(offset=1000, scale=10, dtype='<f8',
                                      astype='|u1'))),
    ('<f4', ('fixedscaleoffset', dict(offset=10.1, scale=10, dtype='<f4',
                                      astype='<i2'))),
    ('<f4', ('fixedscaleoffset', dict(offset=0, scale=1000.5, dtype='<f4',
                                      astype='<i4'))),
    ('>f8', ('fixedscaleoffset', dict(offset=-3, scale=100, dtype='>f8',
                                      astype='>i2'))),
    ('<f2', ('fixedscaleoffset', dict(offset=1.5, scale=4, dtype='<f2',
                                      astype='<i2'))),
    ('<i2', ('fixedscaleoffset', dict(offset=10, scale=3, dtype='<i2',
                                      astype='|i1'))),
    ('<i4', ('fixedscaleoffset', dict(offset=2.5, scale=0.5, dtype='<i4',
                                      astype='<i2'))),
    ('|u1', ('fixedscaleoffset', dict(offset=-5, scale=2, dtype='|u1',
                                      astype='<u2'))),
    ('<f8', ('fixedscaleoffset', dict(offset=100000.0, scale=1e-3,
                                      dtype='<f8', astype='<f4'))),
    ('<f4', ('bitround', dict(keepbits=0))),
    ('<f4', ('bitround', dict(keepbits=3))),
    ('<f4', ('bitround', dict(keepbits=23))),
    ('<f4', ('bitround', dict(keepbits=9))),
    ('<f8', ('bitround', dict(keepbits=7))),
    ('<f8', ('bitround', dict(keepbits=51))),
    ('<f2', ('bitround', dict(keepbits=4))),
]


def filter_cases(rng):
    cases = []
    for i, (dtype, (cid, cfg)) in enumerate(FILTERS):
        shape = [1, 100, 5000, (37, 53)][i % 4]
        arr = make_array(rng, dtype, shape)
        if cid == 'fixedscaleoffset' and arr.dtype.kind == 'f' and i % 3:
            arr.ravel()[: min(arr.size, 7)] = [1e30, -1e30, np.nan, np.inf,
                                               -0.5, 0.5, 2.5][: min(
                                                   arr.size, 7)]
        name = safe('%s-%d-%s' % (cid, i, dtype))
        cases.append(numcodecs_case(name, dtype, np.shape(arr),
                                    [(cid, cfg)], arr, exact=True))
    for i, cid in enumerate(['vlen-utf8', 'vlen-bytes'] * 3):
        n = [0, 1, 300][i // 2]
        arr = make_strings(rng, n, cid == 'vlen-bytes')
        cases.append(numcodecs_case('%s-%d' % (cid, n), '|O', n,
                                    [(cid, {})], arr, exact=True))
    return cases


def chain_cases(rng):
    chains = [
        ('<i4', [('delta', dict(dtype='<i4')), ('zlib', dict(level=1))]),
        ('<f8', [('fixedscaleoffset', dict(offset=0, scale=100,
                                           dtype='<f8', astype='<i4')),
                 ('blosc', dict(cname='zstd', clevel=3, shuffle=2,
                                blocksize=0))]),
        ('<f4', [('shuffle', dict(elementsize=4)),
                 ('lz4', dict(acceleration=1))]),
        ('<f4', [('bitround', dict(keepbits=5)), ('zstd', dict(level=3))]),
        ('<i2', [('delta', dict(dtype='<i2')),
                 ('shuffle', dict(elementsize=2)),
                 ('blosc', dict(cname='lz4', clevel=5, shuffle=-1,
                                blocksize=0))]),
        ('|O', [('vlen-utf8', {}), ('zstd', dict(level=1))]),
        ('|O', [('vlen-bytes', {}), ('gzip', dict(level=1))]),
    ]
    cases = []
    for i, (dtype, chain) in enumerate(chains):
        if dtype == '|O':
            arr = make_strings(rng, 500, chain[0][0] == 'vlen-bytes')
        else:
            arr = make_array(rng, dtype, (40, 50))
        name = 'chain-%d-%s' % (i, '-'.join(c for c, _ in chain))
        cases.append(numcodecs_case(name, dtype, np.shape(arr), chain, arr))
    return cases


def v3_cases(rng):
    """bytes, transpose and crc32c: NumPy and a bitwise CRC as oracles."""
    cases = []
    native = '<' if sys.byteorder == 'little' else '>'
    for i, (v3, endian, shape, order) in enumerate([
            ('int16', 'big', (6, 7), [1, 0]),
            ('float64', 'little', (3, 4, 5), [2, 0, 1]),
            ('uint32', 'big', (2, 3, 4, 5), [3, 1, 0, 2]),
            ('uint8', None, (10, 10), [1, 0]),
            ('float32', 'big', (1, 1000), [1, 0])]):
        arr = make_array(rng, native + np.dtype(v3).str[1:], shape)
        t = np.transpose(arr, order)
        bo = '>' if endian == 'big' else '<'
        payload = np.ascontiguousarray(t).astype(
            t.dtype.newbyteorder(bo)).tobytes()
        payload += crc32c(payload).to_bytes(4, 'little')
        enc = numcodecs.Zstd(level=3).encode(payload)
        chain = [('transpose', dict(order=order)),
                 ('bytes', dict(endian=endian) if endian else {}),
                 ('crc32c', {}), ('zstd', dict(level=3))]

        def decode(buf, arr=arr, order=order, bo=bo, t=t):
            p = numcodecs.Zstd().decode(buf)
            body, tail = p[:-4], p[-4:]
            if crc32c(body) != int.from_bytes(tail, 'little'):
                raise ValueError('crc32c mismatch')
            y = np.frombuffer(body, dtype=t.dtype.newbyteorder(bo))
            y = y.reshape(t.shape).astype(arr.dtype)
            return np.ascontiguousarray(
                np.transpose(y, np.argsort(order))).tobytes()

        c = Case('v3-%d-%s' % (i, v3), v3, shape, chain, arr.tobytes(), enc,
                 decode, cli_dtype=v3)
        cases.append(c)
    return cases


def checksum_cases(rng):
    """bz2, crc32 and adler32 (numcodecs 0.11 makes the very bytes we
    must make), alone and in chains as zarr v2 filters."""
    configs = [('bz2', dict(level=l)) for l in [1, 5, 9]]
    configs += [('crc32', {}), ('adler32', {})]
    cases = []
    for i, (cid, cfg) in enumerate(configs):
        for k in range(3):
            dtype = ALL_DTYPES[(i * 3 + k) % len(ALL_DTYPES)]
            shape = SIZES[(i + k) % len(SIZES)]
            arr = make_array(rng, dtype, shape)
            name = safe('%s-%s-%s-%s' % (cid, '-'.join(
                str(v) for v in cfg.values()), dtype,
                'x'.join(map(str, np.shape(arr)))))
            cases.append(numcodecs_case(name, dtype, np.shape(arr),
                                        [(cid, cfg)], arr, exact=True))
    chains = [
        ('<f8', [('delta', dict(dtype='<f8')), ('crc32', {}),
                 ('bz2', dict(level=9))]),
        ('<i2', [('adler32', {}), ('bz2', dict(level=1))]),
        ('|u1', [('crc32', {}), ('adler32', {}),
                 ('blosc', dict(cname='zstd', clevel=3, shuffle=2,
                                blocksize=0))]),
        ('<i4', [('shuffle', dict(elementsize=4)), ('adler32', {}),
                 ('zlib', dict(level=1))]),
    ]
    for i, (dtype, chain) in enumerate(chains):
        arr = make_array(rng, dtype, (40, 50))
        name = 'chain-sum-%d-%s' % (i, '-'.join(c for c, _ in chain))
        cases.append(numcodecs_case(name, dtype, np.shape(arr), chain, arr,
                                    exact=chain[-1][0] != 'blosc'))
    return cases


def zlib_sum_at_end(cid):
    """crc32/adler32 with {"location": "end"} (newer numcodecs): the
    checksum of Python's zlib, appended."""
    fn = zlib.crc32 if cid == 'crc32' else zlib.adler32

    def enc(raw):
        return raw + (fn(raw) & 0xffffffff).to_bytes(4, 'little')

    def dec(buf):
        body, tail = buf[:-4], buf[-4:]
        if len(buf) < 4 or fn(body) & 0xffffffff != int.from_bytes(
                tail, 'little'):
            raise ValueError('%s mismatch' % cid)
        return body
    return enc, dec


def h5_fletcher32():
    """HDF5's fletcher32 filter through h5py: frame and unframe one
    chunk of bytes (None if h5py is absent)."""
    try:
        import h5py
    except ImportError:
        return None
    import os
    import tempfile

    def dataset(f, n):
        return f.create_dataset('x', shape=(n,), dtype='u1', chunks=(n,),
                                fletcher32=True)

    def enc(raw):
        fd, path = tempfile.mkstemp(suffix='.h5')
        os.close(fd)
        try:
            with h5py.File(path, 'w') as f:
                d = dataset(f, len(raw))
                d[...] = np.frombuffer(raw, dtype='u1')
                return bytes(d.id.read_direct_chunk((0,))[1])
        finally:
            os.unlink(path)

    def dec(frame):
        """HDF5 checks the checksum when it reads the chunk."""
        fd, path = tempfile.mkstemp(suffix='.h5')
        os.close(fd)
        try:
            with h5py.File(path, 'w') as f:
                d = dataset(f, len(frame) - 4)
                d.id.write_direct_chunk((0,), frame)
                return d[...].tobytes()
        finally:
            os.unlink(path)
    return enc, dec


def other_sum_cases(rng):
    cases = []
    for i, cid in enumerate(['crc32', 'adler32']):
        enc, dec = zlib_sum_at_end(cid)
        for dtype, shape in [('<f4', (37, 53)), ('|u1', 1), ('<i2', 0)]:
            arr = make_array(rng, dtype, shape)
            raw = arr.tobytes()
            cases.append(Case(safe('%s-end-%s-%d' % (cid, dtype, arr.size)),
                              dtype, np.shape(arr),
                              [(cid, dict(location='end'))], raw, enc(raw),
                              dec, exact=True))
    h5 = h5_fletcher32()
    if h5:
        enc, dec = h5
        # odd sizes put a lone last byte in the sum; 5000 bytes span
        # several of HDF5's 360-word blocks
        for dtype, shape in [('|u1', 1), ('|u1', 777), ('<f8', 5000),
                             ('<i2', (37, 53)), ('|S7', 3)]:
            arr = make_array(rng, dtype, shape)
            raw = arr.tobytes()
            cases.append(Case(safe('fletcher32-%s-%d' % (dtype, arr.size)),
                              dtype, np.shape(arr), [('fletcher32', {})],
                              raw, enc(raw), dec, exact=True))
    return cases


def unzstd(data):
    return subprocess.run(['zstd', '-q', '-d', '-c'], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def external_cases(rng):
    """Frames written by other programs: the zstd tool writes frames
    without a content size when reading a pipe; gzip members in a row."""
    cases = []
    arr = make_array(rng, '<f8', 20000)
    raw = arr.tobytes()
    try:
        for lvl, extra in [('-3', []), ('-19', ['--no-check'])]:
            enc = subprocess.run(['zstd', '-q', '-c', lvl] + extra,
                                 input=raw, stdout=subprocess.PIPE,
                                 check=True).stdout
            # numcodecs 0.11 refuses such frames: the tool decodes them
            cases.append(Case('zstd-tool%s' % lvl, '<f8', 20000,
                              [('zstd', {})], raw, enc, unzstd,
                              mode='decode'))
    except (OSError, subprocess.CalledProcessError):
        pass
    enc = gzip.compress(raw[:7000]) + gzip.compress(raw[7000:]) + b'\0' * 8
    cases.append(Case('gzip-members', '<f8', 20000, [('gzip', {})], raw,
                      enc, lambda b: tobytes(numcodecs.GZip().decode(b)),
                      mode='decode'))
    return cases


def all_cases():
    rng = np.random.default_rng(20260101)
    return (compressor_cases(rng) + filter_cases(rng) + chain_cases(rng) +
            v3_cases(rng) + external_cases(rng) + checksum_cases(rng) +
            other_sum_cases(rng))


def gen(d):
    with open('%s/manifest' % d, 'w') as m:
        for c in all_cases():
            with open('%s/%s.raw' % (d, c.name), 'wb') as f:
                f.write(c.raw)
            with open('%s/%s.enc' % (d, c.name), 'wb') as f:
                f.write(c.enc)
            with open('%s/%s.ref' % (d, c.name), 'wb') as f:
                f.write(c.decode(c.enc))
            m.write('\t'.join([c.name, c.mode, c.dtype,
                               ','.join(map(str, c.shape)),
                               '1' if c.exact else '0', c.args]) + '\n')


def check(d):
    for c in all_cases():
        if c.mode != 'both':
            continue
        try:
            with open('%s/%s.ours' % (d, c.name), 'rb') as f:
                ours = f.read()
            got, ref = c.decode(ours), c.decode(c.enc)
            if got == ref:
                print(c.name, 'ok')
            else:
                print(c.name, 'FAIL decoded %d bytes differ from the %d '
                      'reference bytes' % (len(got), len(ref)))
        except Exception as e:  # report, do not stop the other cases
            print(c.name, 'FAIL', type(e).__name__, str(e)[:200])


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('gen', 'check'):
        sys.exit('usage: codec_oracle.py gen|check DIR')
    (gen if sys.argv[1] == 'gen' else check)(sys.argv[2])
