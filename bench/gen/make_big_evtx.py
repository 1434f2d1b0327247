#!/usr/bin/env python3
"""Builds one large, valid .evtx file from the chunks of real ones (bench/evtx.sh).

Usage: make_big_evtx.py OUT MIN_BYTES FILE.evtx...

Takes every chunk ("ElfChnk\\0", 64 KiB) of the given files in order, repeats the sequence
until the output holds at least MIN_BYTES, and writes a file header (copied from the first
input, with the chunk count, last chunk number and checksum rewritten and the dirty flag
cleared). Chunks are copied byte for byte, so their own checksums stay valid and every
decoder reads exactly the records of the originals, repeated. Deterministic: the same inputs
give the same bytes. Record numbers repeat between copies; no decoder we measure cares.
"""

import struct
import sys
import zlib

CHUNK = 0x10000
HEADER_BLOCK = 0x1000


def chunks_of(path):
    data = open(path, "rb").read()
    if data[:8] != b"ElfFile\0":
        sys.exit(f"{path}: not an evtx file")
    out = []
    for off in range(HEADER_BLOCK, len(data) - CHUNK + 1, CHUNK):
        if data[off:off + 8] == b"ElfChnk\0":
            out.append(data[off:off + CHUNK])
    return data[:HEADER_BLOCK], out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out_path, min_bytes, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    header = None
    chunks = []
    for p in paths:
        h, c = chunks_of(p)
        header = header or h
        chunks.extend(c)
    if not chunks:
        sys.exit("no chunks in the inputs")
    need = max(1, -(-(min_bytes - HEADER_BLOCK) // CHUNK))
    copies = -(-need // len(chunks))
    total = copies * len(chunks)
    if total > 0xFFFF:
        sys.exit(f"{total} chunks: more than an evtx header can count (65535)")
    hdr = bytearray(header)
    struct.pack_into("<QQ", hdr, 0x08, 0, total - 1)          # first, last chunk number
    struct.pack_into("<H", hdr, 0x2A, total)                   # number of chunks
    struct.pack_into("<I", hdr, 0x78, 0)                       # flags: clean, not full
    struct.pack_into("<I", hdr, 0x7C, zlib.crc32(bytes(hdr[:0x78])) & 0xFFFFFFFF)
    with open(out_path, "wb") as f:
        f.write(hdr)
        for _ in range(copies):
            for c in chunks:
                f.write(c)
    print(f"{out_path}: {total} chunks ({copies} copies of {len(chunks)}), "
          f"{HEADER_BLOCK + total * CHUNK} bytes")


if __name__ == "__main__":
    main()
