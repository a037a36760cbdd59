#!/usr/bin/env python3
"""Strict logfmt reader for the services' logs (common/log.c's format).

Every line must be key=value pairs separated by one space, starting with
ts, level, svc and msg in that order; keys [a-z][a-z0-9_]*, each once; a
value is bare (no space, '"', '=', '\\' or control character) or quoted
with only \\\\, \\", \\xNN and \\u00NN escapes inside and no raw control
character. The only other lines allowed are the start banners the test
harness and tools/up write ("=== ... ===").

  logfmt_check.py FILE...   prints each bad line (file:line: why) and
                            exits 1 if any; 0 when every line parses.
  As a module: parse(line_bytes) -> list of (key, value) or raises ValueError.
"""
import re
import sys

KEY = re.compile(rb'[a-z][a-z0-9_]*')
TS = re.compile(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z')
LEVELS = {b'debug', b'info', b'warn', b'error'}
BANNER = re.compile(rb'=== .* ===')


def _bad_byte(line, i):
    c = line[i]
    if c < 0x20 or c == 0x7F:
        return True
    return c == 0xC2 and i + 1 < len(line) and 0x80 <= line[i + 1] <= 0x9F


def parse(line):
    """The (key, value) pairs of one line (bytes, without its newline)."""
    pairs, i, n = [], 0, len(line)
    while True:
        m = KEY.match(line, i)
        if not m:
            raise ValueError(f'expected a key at byte {i}')
        key, i = m.group(0), m.end()
        if i >= n or line[i] != ord('='):
            raise ValueError(f'expected "=" after {key.decode()} at byte {i}')
        i += 1
        if i < n and line[i] == ord('"'):
            i += 1
            value = bytearray()
            while True:
                if i >= n:
                    raise ValueError(f'quoted value of {key.decode()} not closed')
                c = line[i]
                if c == ord('"'):
                    i += 1
                    break
                if c == ord('\\'):
                    esc = line[i + 1:i + 2]
                    if esc in (b'\\', b'"'):
                        value += esc
                        i += 2
                    elif esc == b'x' and re.fullmatch(rb'[0-9a-f]{2}', line[i + 2:i + 4]):
                        value.append(int(line[i + 2:i + 4], 16))
                        i += 4
                    elif esc == b'u' and re.fullmatch(rb'00[0-9a-f]{2}', line[i + 2:i + 6]):
                        value += chr(int(line[i + 2:i + 6], 16)).encode()
                        i += 6
                    else:
                        raise ValueError(f'unknown escape in {key.decode()} at byte {i}')
                    continue
                if _bad_byte(line, i):
                    raise ValueError(f'raw control character in {key.decode()} at byte {i}')
                value.append(c)
                i += 1
            value = bytes(value)
        else:
            start = i
            while i < n and line[i] != ord(' '):
                if line[i] in b'"=\\' or _bad_byte(line, i):
                    raise ValueError(f'bare value of {key.decode()} holds {line[i:i + 1]!r}')
                i += 1
            if i == start:
                raise ValueError(f'empty bare value of {key.decode()}')
            value = line[start:i]
        pairs.append((key, value))
        if i == n:
            return pairs
        if line[i] != ord(' ') or i + 1 == n:
            raise ValueError(f'expected one space between pairs at byte {i}')
        i += 1


def check_line(line):
    """None when line is a valid service log line or a banner, else why not."""
    if BANNER.fullmatch(line):
        return None
    try:
        pairs = parse(line)
    except ValueError as e:
        return str(e)
    keys = [k for k, _ in pairs]
    if keys[:4] != [b'ts', b'level', b'svc', b'msg']:
        return 'does not start with ts, level, svc, msg'
    if len(set(keys)) != len(keys):
        return 'a key appears twice'
    values = dict(pairs)
    if not TS.fullmatch(values[b'ts']):
        return 'ts is not a UTC time with milliseconds'
    if values[b'level'] not in LEVELS:
        return 'level is not debug, info, warn or error'
    if not values[b'msg']:
        return 'msg is empty'
    return None


def main(paths):
    bad = 0
    for path in paths:
        with open(path, 'rb') as f:
            data = f.read()
        if data and not data.endswith(b'\n'):
            print(f'{path}: the last line has no newline (a line cut short?)')
            bad += 1
        for no, line in enumerate(data.split(b'\n')[:-1] if data else [], 1):
            why = check_line(line)
            if why:
                bad += 1
                if bad <= 20:
                    print(f'{path}:{no}: {why}: {line[:300]!r}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
