#!/usr/bin/env python3
"""Writes pgbench scripts that run the service's own SQL (extracted from its source).

The lookup and scan statements are taken verbatim from LookupStore.LOOKUP and
ScanStore.RECORD_SCANS; only their $n parameters are replaced by pgbench expressions that
produce the same kinds of values the HTTP benchmark sends (90% hits, half the scans with a
client id).

usage: pgbench_scripts.py SRC_DIR OUT_DIR ROWS PIPELINE_DEPTH
"""
import re
import sys
from pathlib import Path

src, out, rows, depth = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def constant(java_file, name):
    # The statement NAME as PostgreSQL receives it: its text blocks, with the fragments it is
    # concatenated from (a call such as targetRows("$5") between two blocks) expanded.
    text = (src / java_file).read_text()
    match = re.search(r'static final String ' + name + r' = (""".*?""");\n', text, re.S)
    if not match:
        sys.exit(f"cannot find {name} in {java_file}")
    parts = re.split(r'"""\s*\+\s*(\w+)\("([^"]*)"\)\s*\+\s*"""', match.group(1)[3:-3])
    sql = parts[0]
    for i in range(1, len(parts), 3):
        sql += helper(text, parts[i], parts[i + 1]) + parts[i + 2]
    sql = sql.replace("\\s", " ")
    # One line for pgbench: SQL comments ("-- ...") would swallow the rest of it.
    lines = (re.sub(r"--.*$", "", line).strip() for line in sql.splitlines())
    return " ".join(line for line in lines if line)


def helper(text, method, argument):
    """A statement fragment returned by METHOD(ARGUMENT): CONSTANT.replace("$X", argument)."""
    body = re.search(r'String ' + method + r'\(String \w+\) \{\s*return (\w+)\.replace\("([^"]+)", \w+\);', text)
    if not body:
        sys.exit(f"cannot expand {method}")
    fragment = re.search(r'static final String ' + body.group(1) + r' = """\n(.*?)""";', text, re.S)
    return fragment.group(1).replace(body.group(2), argument)


def bind(sql, values):
    return re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], sql)


def code(i):
    return (f"(CASE WHEN :hit{i} <= 90 THEN 'ITEM-' || lpad(:n{i}::text, 7, '0') "
            f"ELSE 'MISS-' || lpad(:n{i}::text, 7, '0') END)")


def lookup(i):
    return bind(constant("data/LookupStore.java", "LOOKUP"), {
        1: ":table_id::uuid", 2: "NULL", 3: "'code'", 4: code(i), 5: "100",
        6: "'bench-user'", 7: "NULL::uuid", 8: "NULL::text"})


def scan(i):
    return bind(constant("data/ScanStore.java", "RECORD_SCANS"), {
        1: "ARRAY[0]", 2: f"ARRAY[CASE WHEN :half{i} = 1 THEN gen_random_uuid() END]",
        3: "ARRAY[:table_id::uuid]", 4: "ARRAY[NULL::uuid]", 5: "ARRAY['code']",
        6: f"ARRAY[{code(i)}]", 7: "ARRAY[NULL::timestamptz]", 8: "ARRAY['bench']",
        9: "ARRAY['pgbench']", 10: "ARRAY[NULL::text]", 11: "100",
        12: "ARRAY['bench-user']", 13: "ARRAY[NULL::uuid]", 14: "ARRAY[NULL::uuid]",
        15: "ARRAY[NULL::text]", 16: "ARRAY[NULL::text]", 17: "ARRAY[NULL::text]"})


def sets(i):
    return (f"\\set n{i} random(1, {rows})\n\\set hit{i} random(1, 100)\n\\set half{i} random(0, 1)\n")


out.mkdir(parents=True, exist_ok=True)
for name, statement in (("lookup", lookup), ("scan", scan)):
    (out / f"{name}.sql").write_text(sets(0) + statement(0) + ";\n")
    pipelined = "".join(sets(i) for i in range(depth)) + "\\startpipeline\n"
    pipelined += "".join(statement(i) + ";\n" for i in range(depth)) + "\\endpipeline\n"
    (out / f"{name}-pipelined.sql").write_text(pipelined)
