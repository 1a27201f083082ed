"""Framing of lockgraph logs (docs/log-format.md) for the test drivers: one walk over
the records, so the drivers cannot disagree about where a log ends.  Each driver
decides what a torn or unfinished log means for its own checks."""
import struct
import zlib

MAGIC = b"LOCKGRPH"
VERSION = 1
REC_TYPE_MAX = 14
REC_MAX_PAYLOAD = 16 << 20


class Frames:
    """Iterates (offset, type, payload) over the records after the 16-byte file
    header.  After the loop, `how` says how the log ended: "end" (the last record
    ends the file), "unused" (zero-filled growth space of a process that did not
    finish) or "torn" (the file ends inside a record), and `offset` where.  A corrupt
    record header or CRC raises ValueError with the detail."""

    def __init__(self, data):
        self.data = data
        self.how = None
        self.offset = 16

    def __iter__(self):
        data, off = self.data, 16
        while off < len(data):
            self.offset = off
            if data[off] == 0 and (off + 1 >= len(data) or data[off + 1] == 0) \
                    and not any(data[off:]):
                self.how = "unused"
                return
            if off + 12 > len(data):
                self.how = "torn"
                return
            rtype, reserved, length, crc = struct.unpack_from("<HHII", data, off)
            if not 1 <= rtype <= REC_TYPE_MAX or reserved or length > REC_MAX_PAYLOAD:
                raise ValueError("corrupt record header at offset %d (type %d, len %d)"
                                 % (off, rtype, length))
            if off + 12 + length > len(data):
                self.how = "torn"
                return
            payload = data[off + 12: off + 12 + length]
            if zlib.crc32(data[off: off + 8] + payload) & 0xffffffff != crc:
                raise ValueError("CRC mismatch in record type %d at offset %d" % (rtype, off))
            yield off, rtype, payload
            off += 12 + length
        self.offset = off
        self.how = "end"
