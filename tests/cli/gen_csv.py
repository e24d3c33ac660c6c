#!/usr/bin/env python3
"""tests/cli/gen_csv.py SEED ROWS DEVICE INPUT EXPECTED — random data for the
shell's CSV round trip (tests/cli/test_cli_batch.sh).

INPUT is what `larch -i` imports: a header Time,<DEVICE>.<m>(TYPE),... for
all ten types, rows in shuffled time order, random nulls (unquoted empty
cells), texts with commas, quotes, CR/LF, non-ASCII and empty strings.
EXPECTED is what `larch -disableISO8601 -e "select <the columns in header
order> ..." -o` must write back:
the same rows in time order, every value in the form the shell prints
(Java's number forms; the generated numbers are chosen so that Python's
repr prints them the same way), quoted as RFC 4180 says (only when needed,
"" for an empty string).  The model is written here, independently of the C
code under test."""
import random
import sys

TYPES = ["BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT", "STRING",
         "DATE", "BLOB", "TIMESTAMP"]
TEXT_CHARS = "ab ,\"\n\rxyz;é中'`"


def quote(s):
    if s == "":
        return '""'
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def value(rng, t):
    """Text of a random value of type t (canonical: as the shell prints)."""
    if t == "BOOLEAN":
        return rng.choice(["true", "false"])
    if t == "INT32":
        return str(rng.randint(-2**31, 2**31 - 1))
    if t in ("INT64", "TIMESTAMP"):
        return str(rng.randint(0 if t == "TIMESTAMP" else -2**63, 2**62))
    if t == "FLOAT":  # quarters in plain range: exact in float32, same text
        return repr(rng.randint(-400000, 400000) / 4.0)
    if t == "DOUBLE":  # three decimals, 1e-3 <= |v| < 1e7 or 0.0
        v = round(rng.uniform(-1e6, 1e6), 3)
        return repr(v) if abs(v) >= 1e-3 else "0.0"
    if t in ("TEXT", "STRING"):
        return "".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(0, 12)))
    if t == "DATE":
        return "%04d-%02d-%02d" % (rng.randint(1000, 9999), rng.randint(1, 12),
                                   rng.randint(1, 28))
    if t == "BLOB":
        return "0x" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 8))).hex()
    raise ValueError(t)


def main():
    seed, rows, device, inp, exp = sys.argv[1:6]
    rng = random.Random(int(seed))
    header = ",".join(["Time"] + ["%s.m_%s(%s)" % (device, t.lower(), t) for t in TYPES])
    times = rng.sample(range(1, 10 * int(rows)), int(rows))
    records = []
    for t in times:
        cells = [None if rng.random() < 0.2 else value(rng, ty) for ty in TYPES]
        if all(c is None for c in cells):
            cells[0] = "true"
        records.append((t, cells))

    def line(t, cells):
        out = [str(t)]
        for ty, c in zip(TYPES, cells):
            out.append("" if c is None else quote(c))
        return ",".join(out) + "\n"

    with open(inp, "w", newline="") as f:
        f.write(header + "\n")
        for t, cells in records:  # shuffled time order
            f.write(line(t, cells))
    with open(exp, "w", newline="") as f:
        f.write(header + "\n")
        for t, cells in sorted(records):
            f.write(line(t, cells))


main()
