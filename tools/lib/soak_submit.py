#!/usr/bin/env python3
"""One submitter of tools/soak: cases K, K+W, K+2W ... below CASES, each at its
time on a steady clock (START_US + i / RATE seconds), posted to intake's API
on a kept-alive connection with the idempotency key RUN-i, and retried with
the same key until intake acknowledges it (201 new, 200 replayed). Writes one
line per acknowledged case to OUT: "i case_number tries".

usage: soak_submit.py INTAKE_URL TOKEN_FILE RUN START_US K W CASES RATE OUT
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    url, token_file, run, start_us, k, w, cases, rate, out = sys.argv[1:10]
    start, k, w, cases, rate = int(start_us) / 1e6, int(k), int(w), int(cases), float(rate)
    target = urllib.parse.urlsplit(url)
    with open(token_file, encoding="utf-8") as f:
        token = f.read().strip()
    conn = None
    with open(out, "a", encoding="utf-8") as acked:
        for i in range(k, cases, w):
            delay = start + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            key = f"{run}-{i}"
            body = json.dumps({
                "channel": "hotline", "kind": "complaint", "category": "metrology",
                "subject": f"{key} 加油机计量", "description": f"soak case {i}: 加油机少加油",
            }, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                       "Idempotency-Key": key}
            tries = 0
            while True:
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                    conn.request("POST", "/api/v1/cases", body, headers)
                    reply = conn.getresponse()
                    data = reply.read()
                    if reply.status in (200, 201):
                        number = json.loads(data)["case_number"]
                        break
                    if 400 <= reply.status < 500 and reply.status not in (408, 429):
                        sys.exit(f"soak: case {i} refused ({reply.status}): {data[:300]!r}")
                    if reply.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException, ValueError, KeyError):
                    if conn is not None:
                        conn.close()
                    conn = None
                tries += 1
                time.sleep(0.2)
            acked.write(f"{i} {number} {tries}\n")
            acked.flush()


if __name__ == "__main__":
    main()
