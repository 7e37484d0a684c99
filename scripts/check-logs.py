#!/usr/bin/env python3
"""Parses every streamer log line under the given folders as logfmt (text format) or JSON.

usage: check-logs.py DIR [DIR ...]
A text line is one that starts with "ts=" (the streamer's layout); it must be a sequence of
key=value pairs (a bare key allowed), values bare (no space, quote or '=') or double-quoted with
\\ \" \n \r \t \\uXXXX escapes. A JSON line is one that starts with '{"ts":'. Other lines (other
tools' output in the same files) are not the streamer's and are skipped. Prints a summary and every
line that does not parse (file:line); exit 1 if any.
"""
import json
import os
import re
import sys

KEY = re.compile(r'[A-Za-z0-9_.\-\[\]]+')


def parse_logfmt(line):
    i, n, pairs = 0, len(line), []
    while i < n:
        while i < n and line[i] == ' ':
            i += 1
        if i >= n:
            break
        m = KEY.match(line, i)
        if not m:
            raise ValueError("no key at column %d" % i)
        key, i = m.group(0), m.end()
        if i >= n or line[i] == ' ':
            pairs.append((key, True))
            continue
        if line[i] != '=':
            raise ValueError("key %r followed by %r at column %d" % (key, line[i], i))
        i += 1
        if i < n and line[i] == '"':
            i += 1
            out = []
            while True:
                if i >= n:
                    raise ValueError("unterminated quoted value of %r" % key)
                c = line[i]
                if c == '\\':
                    if i + 1 >= n or line[i + 1] not in '\\"nrtu':
                        raise ValueError("bad escape in %r at column %d" % (key, i))
                    i += 6 if line[i + 1] == 'u' else 2
                    continue
                if c == '"':
                    i += 1
                    break
                out.append(c)
                i += 1
            if i < n and line[i] != ' ':
                raise ValueError("value of %r runs on after its closing quote at column %d" % (key, i))
            pairs.append((key, ''.join(out)))
        else:
            j = i
            while j < n and line[j] != ' ':
                if line[j] in '"=':
                    raise ValueError("bare value of %r holds %r at column %d" % (key, line[j], j))
                j += 1
            pairs.append((key, line[i:j]))
            i = j
    return pairs


def main():
    text = js = 0
    bad = []
    for root in sys.argv[1:]:
        for dp, _, fs in os.walk(root):
            for f in sorted(fs):
                if not f.endswith('.log'):
                    continue
                p = os.path.join(dp, f)
                with open(p, encoding='utf-8', errors='replace') as fh:
                    for no, line in enumerate(fh, 1):
                        line = line.rstrip('\n')
                        try:
                            if line.startswith('ts='):
                                text += 1
                                keys = [k for k, _ in parse_logfmt(line)]
                                if keys[:4] != ['ts', 'level', 'thread', 'logger']:
                                    raise ValueError("does not start with ts level thread logger")
                            elif line.startswith('{"ts":'):
                                js += 1
                                json.loads(line)
                        except ValueError as e:
                            bad.append("%s:%d: %s: %s" % (p, no, e, line[:300]))
    print("check-logs: %d logfmt lines, %d JSON lines, %d do not parse" % (text, js, len(bad)))
    for b in bad[:50]:
        print("  " + b)
    sys.exit(1 if bad or text + js == 0 else 0)


if __name__ == '__main__':
    main()
