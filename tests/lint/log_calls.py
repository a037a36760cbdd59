#!/usr/bin/env python3
"""Every log call in the C sources has the shape common/log.h asks for, so
that every line it writes is strict logfmt whatever path runs it:
  log_LEVEL("event text", "key=%conv key=literal ...", args...)
  log_write(LEVEL, "event text", "key=%conv ...", args...)
The event text is a constant (no conversion); the fields are space-separated
key=value pairs with lower-case keys, each key once, none of ts, level, svc
or msg, and none that names personal data (phone, name, address, e-mail,
description...): a requester's details never go to a log.
Usage: log_calls.py ROOT (prints each offending call, exits 1 if any)."""
import os
import re
import sys

CALL = re.compile(r'\blog_(debug|info|warn|error|write)\s*\(')
CONV = r'%[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|z|j|t|L)?[diouxXcsfFeEgGp]'
LITERAL = r'[A-Za-z0-9_.:/+-]+'
PAIR = re.compile(r'([a-z][a-z0-9_]*)=(?:' + CONV + '|' + LITERAL + r')(?:%%)?')
RESERVED = {'ts', 'level', 'svc', 'msg'}
PERSONAL = re.compile(r'^(phone|tel|mobile|name|full_name|requester|requester_name|address|'
                      r'street|email|e_mail|description|contact|id_card|subject)$')


def split_args(src, i):
    """Arguments of the call whose '(' is at src[i], as source text."""
    depth, start, j, args = 0, i + 1, i, []
    while j < len(src):
        c = src[j]
        if c in '"\'':
            j += 1
            while src[j] != c:
                j += 2 if src[j] == '\\' else 1
        elif c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                args.append(src[start:j])
                return args
        elif c == ',' and depth == 1:
            args.append(src[start:j])
            start = j + 1
        j += 1
    raise ValueError('unbalanced call')


def literal(text):
    """The value of a string literal (adjacent pieces joined), None if not one."""
    parts, t = [], text.strip()
    while t:
        m = re.match(r'"((?:[^"\\]|\\.)*)"\s*', t, re.S)
        if not m:
            return None
        parts.append(m.group(1))
        t = t[m.end():]
    return ''.join(parts) if parts else None


def check_call(level, args):
    if level == 'write':
        args = args[1:]
    if not args:
        return 'no event text'
    msg = literal(args[0])
    if msg is None:
        return 'the event text is not a string literal'
    if not msg.strip() or '%' in msg or msg.endswith('.'):
        return 'the event text must be a constant without % and without a final period'
    if len(args) == 1:
        return None
    fields = literal(args[1])
    if fields is None:
        return 'the fields are not a string literal'
    if not fields:
        return None
    keys = []
    for pair in fields.split(' '):
        m = PAIR.fullmatch(pair)
        if not m:
            return f'"{pair}" is not key=%conversion or key=literal'
        keys.append(m.group(1))
    for k in keys:
        if k in RESERVED:
            return f'field {k}= is the line\'s own'
        if PERSONAL.match(k):
            return f'field {k}= names personal data'
    if len(set(keys)) != len(keys):
        return 'a key appears twice'
    return None


def main(root):
    bad = 0
    count = 0
    for top in ('common', 'services', 'tools', 'tests/fuzz'):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith('.c'):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if rel == 'common/log.c':
                    continue
                src = open(path, encoding='utf-8', errors='replace').read()
                for m in CALL.finditer(src):
                    if src[max(0, m.start() - 8):m.start()].endswith('define '):
                        continue
                    count += 1
                    why = check_call(m.group(1), split_args(src, m.end() - 1))
                    if why:
                        line = src.count('\n', 0, m.start()) + 1
                        print(f'{rel}:{line}: {why}')
                        bad += 1
    if count < 300:
        print(f'found only {count} log calls')
        return 1
    print(f'{count} log calls checked, {bad} not in shape')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
