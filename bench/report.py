#!/usr/bin/env python3
"""Turns one benchmark run's raw results into a markdown report and chart data."""
import sys
from pathlib import Path

out, rows, duration, startup, machine = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
results = [line.split("\t") for line in (out / "results.tsv").read_text().splitlines()[1:]]
pgbench = {w: (int(p), int(pp), int(e)) for w, p, pp, e in
           (line.split("\t") for line in (out / "pgbench.tsv").read_text().splitlines())}
resources = (out / "resources.txt").read_text().strip().replace("\n", ", ")

lines = [f"### {out.name}", "",
         f"Machine: {machine}. Rows: {rows}. Each point {duration} s of wrk over loopback, production profile.",
         f"Start-up to ready: {startup.strip()}. Peak RSS: {resources}.", "",
         "| workload | pool | connections | requests/s | successful/s | p50 ms | p99 ms | non-2xx | errors | batch items not recorded | service CPU (cores) | vs pgbench 1 conn pipelined |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for workload, pool, conns, rps, p50, p99, non2xx, errors, cpu, failed in results:
    base = pgbench.get(workload)
    ratio = f"{int(rps) / base[1]:.2f}" if base else "—"
    failed = failed if workload == "batch" else "—"
    ok = max(0, round(int(rps) - (int(non2xx) + int(errors)) / float(duration)))
    lines.append(f"| {workload} | {pool} | {conns} | {rps} | {ok} | {p50} | {p99} | {non2xx} | {errors} | {failed} | {cpu} | {ratio} |")
lines += ["", "| pgbench, same SQL | 1 connection | 1 connection, pipelined | 8 connections |", "|---|---|---|---|"]
for workload, (plain, piped, eight) in pgbench.items():
    lines.append(f"| {workload} | {plain}/s | {piped}/s | {eight}/s |")
# once (one action, a fixed duplicate share) against the plain count scan of the same run,
# same pool and connections: the check-in's cost per scan.
rates = {(w, pool, conns): int(rps) for w, pool, conns, rps, *_ in results}
once = [(pool, conns, rps) for (w, pool, conns), rps in rates.items() if w == "once"]
if once:
    once_runs = (out / "once.txt").read_text().strip().splitlines() if (out / "once.txt").exists() else []
    lines += ["", "| once vs count | pool | connections | once requests/s | count requests/s | ratio |", "|---|---|---|---|---|---|"]
    for pool, conns, rps in once:
        plain = rates.get(("scan", pool, conns))
        ratio = f"{rps / plain:.2f}" if plain else "—"
        lines.append(f"| once (1 action) | {pool} | {conns} | {rps} | {plain or '—'} | {ratio} |")
    lines += ["", "Duplicates sent: " + __import__("os").environ.get("BENCH_ONCE_DUPLICATES", "0.10")
              + " of the once scans; recorded: " + "; ".join(once_runs) + "."]
(out / "report.md").write_text("\n".join(lines) + "\n")

for workload in ("lookup", "scan"):
    with open(out / f"{workload}.dat", "w") as f:
        for w, pool, conns, rps, p50, p99, *_ in results:
            if w == workload:
                f.write(f"{pool} {conns} {rps} {p99}\n")
    with open(out / f"{workload}-pgbench.dat", "w") as f:
        f.write(f"{pgbench[workload][1]}\n")
