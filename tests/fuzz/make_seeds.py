#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, so no binary file is checked in.

    make_seeds.py OUT_DIR [FUZZER...]

Each FUZZER named gets OUT_DIR/<fuzzer>/, empty if it has no seeds here.
OUT_DIR/<fuzzer>/ gets a few inputs each fuzzer starts from: for
increment_message_fuzzer, streams of IncrementRequest messages that reach
each outcome of a message (applied, duplicate, regression, keepalive, and
every refusal); for state_file_fuzzer, state files framed as progressd
writes them; for registry_apply_fuzzer, fixed pseudo-random bytes, which
its decoder turns into operations whatever they are.
"""
import random
import shutil
import struct
import sys
import zlib
from pathlib import Path

# tests/fuzz/registry_apply_fuzzer.cc and increment_message_fuzzer.cc use
# max_jobs 4, max_clients_per_job 3, max_job_name_bytes 8.
CAP = (2**64 - 1) // 3


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire_type, payload):
    return varint(number << 3 | wire_type) + payload


def string_field(number, text):
    data = text.encode() if isinstance(text, str) else text
    return field(number, 2, varint(len(data)) + data)


def job_counts(job, success=0, failure=0):
    body = string_field(1, job)
    if success:
        body += field(2, 0, varint(success))
    if failure:
        body += field(3, 0, varint(failure))
    return body


def request(client_id="", jobs=()):
    """An IncrementRequest; jobs are (name, success, failure) tuples."""
    body = string_field(1, client_id) if client_id else b""
    for job in jobs:
        body += string_field(2, job_counts(*job))
    return body


def records(*messages):
    """The fuzzer's input: (stream, message) pairs, length-prefixed."""
    out = b""
    for stream, message in messages:
        out += struct.pack("<BH", stream, len(message)) + message
    return out


INCREMENT_SEEDS = {
    "applied_duplicate_regressed_keepalive": records(
        (0, request("c1", [("j0", 5, 1)])),
        (0, request("", [("j0", 10, 2), ("j1", 1, 0)])),
        (0, request("c1", [("j0", 10, 2)])),
        (0, request("", [("j0", 3, 2)])),
        (0, request())),
    "reconnect_overlapping_old_stream": records(
        (0, request("c1", [("j0", 5, 0)])),
        (1, request("c1", [("j0", 7, 1)])),
        (0, request("", [("j0", 6, 1)]))),
    "clients_past_the_limit": records(
        *[(n, request(f"c{n}", [("j0", n + 1, 0)])) for n in range(4)]),
    "jobs_past_the_limit": records(
        (0, request("c1", [(f"j{n}", 1, 0) for n in range(5)])),
        (1, request("c2", [(f"j{n}", 1, 0) for n in range(4)])),
        (2, request("c3", [("j9", 1, 0)]))),
    "values_at_and_over_the_cap": records(
        (0, request("c1", [("j0", CAP, CAP)])),
        (1, request("c2", [("j0", CAP + 1, 0)])),
        (2, request("c3", [("j0", 0, 2**64 - 1)]))),
    "job_named_twice": records(
        (0, request("c1", [("j0", 1, 0), ("j1", 1, 0), ("j0", 2, 0)]))),
    "client_id_missing_then_changed": records(
        (0, request("", [("j0", 1, 0)])),
        (1, request("c1", [("j0", 1, 0)])),
        (1, request("c2", [("j0", 2, 0)]))),
    "closing_stream": records(
        (0, request("c1", [("j0", 5, 1)]) + field(3, 0, varint(1))),
        (1, request("c1", [("j0", 5, 1)]) + field(3, 0, varint(1)))),
    "bad_names": records(
        (0, request("c1", [("j0123456789", 1, 0)])),
        (1, request("c2", [("j 0", 1, 0)])),
        (2, request("c/3", [("j0", 1, 0)])),
        (3, request("c4", [("", 1, 0)]))),
}


def timestamp(number, seconds, nanos=0):
    body = field(1, 0, varint(seconds)) if seconds else b""
    if nanos:
        body += field(2, 0, varint(nanos))
    return field(number, 2, varint(len(body)) + body)


def folded(retired, tombstones=(), forgotten=0):
    """A job's folded clients: JobState fields 8 to 11; tombstones are
    (client, success, failure) tuples."""
    body = field(8, 0, varint(retired[0])) + field(9, 0, varint(retired[1]))
    for client, success, failure in tombstones:
        entry = string_field(1, client) + field(2, 0, varint(success))
        entry += field(3, 0, varint(failure)) + timestamp(4, 1764299000)
        body += string_field(10, entry)
    if forgotten:
        body += field(11, 0, varint(forgotten))
    return body


def state_file(jobs, version=2):
    """A state file as server/state/state_codec.h frames it; jobs are
    (name, finished, [(client, success, failure)...]) tuples, or with a
    fourth item, folded()'s bytes."""
    payload = timestamp(1, 1764300000, 5)
    for name, finished, clients, *extra in jobs:
        job = string_field(1, name) + field(2, 0, varint(100))
        job += timestamp(3, 1764290000)
        if clients:
            job += timestamp(4, 1764290001) + timestamp(5, 1764299999)
        if finished:
            job += timestamp(6, 1764300000)
        for client, success, failure in clients:
            entry = string_field(1, client)
            entry += field(2, 0, varint(success)) + field(3, 0, varint(failure))
            job += string_field(7, entry)
        job += b"".join(extra)
        payload += string_field(2, job)
    header = b"PTSTATE\n" + struct.pack("<IIQ", version,
                                         zlib.crc32(payload), len(payload))
    return header + payload


STATE_SEEDS = {
    "empty": state_file([]),
    "running_and_finished": state_file([
        ("etl", False, [("w1", 300, 2), ("w2", 40, 0)]),
        ("done", True, [("w1", 7, 1)])]),
    "sums_at_the_limit": state_file([
        ("big", False, [("a", 2**64 - 2, 0), ("b", 1, 0)])]),
    "client_twice": state_file([("j", False, [("a", 1, 0), ("a", 2, 0)])]),
    "folded_clients": state_file([
        ("etl", False, [("w1", 30, 0)],
         folded((500, 7), [("w2", 200, 3), ("w3", 100, 4)], forgotten=2))]),
    "tombstone_over_retired": state_file([
        ("j", False, [], folded((5, 0), [("a", 6, 0)]))]),
    "other_version": state_file([("j", False, [])], version=3),
    "version_one": state_file([("j", False, [("a", 1, 0)])], version=1),
}


def main():
    out = Path(sys.argv[1])
    # A fuzzer adds what it finds to its corpus: starting over each time
    # keeps a test run the same as the last.
    shutil.rmtree(out, ignore_errors=True)
    increment = out / "increment_message_fuzzer"
    increment.mkdir(parents=True, exist_ok=True)
    for name, data in INCREMENT_SEEDS.items():
        (increment / name).write_bytes(data)
    state = out / "state_file_fuzzer"
    state.mkdir(parents=True, exist_ok=True)
    for name, data in STATE_SEEDS.items():
        (state / name).write_bytes(data)
        # An odd first byte: the fuzzer frames the rest itself.
        (state / f"{name}_payload").write_bytes(b"\x01" + data[24:])
    registry = out / "registry_apply_fuzzer"
    registry.mkdir(parents=True, exist_ok=True)
    generator = random.Random(20261128)
    for n in range(8):
        size = generator.randrange(64, 512)
        (registry / f"random_{n}").write_bytes(generator.randbytes(size))
    for name in sys.argv[2:]:
        (out / name).mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
