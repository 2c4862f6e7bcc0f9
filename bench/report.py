#   report.py: turns bench/run's JSON lines into the table (medians of runs, ratios against the
#   baselines of the same run) and writes docs/performance.md. Standard library only.
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    return {
        "nproc": sh("nproc"),
        "cpu": cpu,
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "libzmq": sh("pkg-config --modversion libzmq"),
        "jansson": sh("pkg-config --modversion jansson"),
        "sqlite": sh("pkg-config --modversion sqlite3"),
        "python_zmq": sh("/usr/bin/python3 -c 'import zmq; print(zmq.__version__)'"),
        "mem": mem,
        "fs_tmp": sh("df -T /tmp | awk 'NR==2 {print $2}'"),
        "nofile": sh("ulimit -Hn"),
        "commit": sh("git -C %s rev-parse --short HEAD" % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    }


def med(rows, key):
    vals = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
    return statistics.median(vals) if vals else None


def fmt(x, unit="", digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results")
    ap.add_argument("--results-dir")
    ap.add_argument("--mode")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--soak", type=int, default=0)
    ap.add_argument("--cmdline")
    ap.add_argument("--out")
    ap.add_argument("--notes")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    by = lambda prefix: [r for r in rows if r.get("label", "").startswith(prefix) and r.get("bench") != "failed"]
    one = lambda label: next((r for r in rows if r.get("label") == label), {})
    m = machine()
    failed = [r["label"] for r in rows if r.get("bench") == "failed"]

    table = []  # (what, goal, result, baseline, ratio, verdict)

    def row(what, goal, result, baseline, rat, ok):
        table.append((what, goal, result, baseline, rat, "" if ok is None else ("met" if ok else "**short**")))

    # 1. ingest
    fps = {t: med(by(f"ingest.{t}."), "fps") for t in ("bittend", "A", "B", "C")}
    nruns = len(by("ingest.bittend."))
    rb, rc, ra = ratio(fps["bittend"], fps["B"]), ratio(fps["bittend"], fps["C"]), ratio(fps["bittend"], fps["A"])
    row("ingest: bittend telemetry frames/s (median of %d)" % nruns, "", fmt(fps["bittend"], "/s"), "", "", None)
    row("ingest vs B (bare PULL + json_loadb/decref, C)", ">= 0.85 x B", fmt(fps["bittend"], "/s"),
        "B " + fmt(fps["B"], "/s"), fmt(rb, " x", 2), rb is not None and rb >= 0.85)
    row("ingest vs C (python3 + pyzmq + json.loads)", ">= 1.5 x C", fmt(fps["bittend"], "/s"),
        "C " + fmt(fps["C"], "/s"), fmt(rc, " x", 2), rc is not None and rc >= 1.5)
    row("ingest vs A (bare PULL receive loop)", "(floor)", fmt(fps["bittend"], "/s"),
        "A " + fmt(fps["A"], "/s"), fmt(ra, " x", 2), None)

    # 2. ticks
    dense, sparse = by("ticks.dense."), by("ticks.sparse.")
    # issue 17's goals: 2 M ticks/s at the recorded EA density, 1 M at 4 ticks per bar
    for name, rs, goal in (("12 ticks/min/symbol (recorded EA density)", dense, 2e6),
                           ("4 ticks/bar (data README expansion)", sparse, 1e6)):
        tps = med(rs, "tps")
        ev = med(rs, "evaluations")
        tk = med(rs, "ticks")
        row("ticks/s, VENOM on one core, %s, %s ticks, median of %d" % (name, fmt(tk), len(rs)),
            ">= %s/s" % fmt(goal), fmt(tps, "/s"), "feed loop only " + fmt(med(rs, "feed_only_tps"), "/s"),
            "evals/tick %.2f" % (ev / tk) if ev and tk else "", tps is not None and tps >= goal)
    allt = dense + sparse
    if allt:
        row("CITADEL per signal (context + evaluate), p50 / p99", "cheap",
            "%s / %s us" % (fmt(med(allt, "citadel_ns_p50") / 1000, "", 1), fmt(med(allt, "citadel_ns_p99") / 1000, "", 1)),
            "%s signals/run" % fmt(med(allt, "signals")), "", None)

    # 3. decision latency
    f, z, s = one("fire"), one("zmq_lat"), one("store")
    if f:
        floor = None
        if z:
            floor = z["reqrep_rtt_us_p50"] / 2 + z["pushpull_oneway_us_p50"]
        what = "open fires (buy, risk gate on)" if f.get("mode") == "fire" else "close fires (skip the risk gate)"
        row("fire -> signal frame at the EA, %s, %d fires / %d accounts: p50 / p99 / p99.9"
            % (what, f.get("sent", 0), f.get("accounts", 0)), "",
            "%s / %s / %s us" % (fmt(f.get("frame_us_p50"), "", 0), fmt(f.get("frame_us_p99"), "", 0), fmt(f.get("frame_us_p999"), "", 0)),
            "REQ half-trip + PUSH one-way p50 %s us" % fmt(floor, "", 0) if floor else "",
            fmt(ratio(f.get("frame_us_p50"), floor), " x", 1), None)
        # issue 17's goal, p99 <= transport + one fsync + 100 us, read two ways in the same run:
        # literally (every term at its p50, as the issue writes it) and tail-consistent (each
        # term at its own p99), so the row says which one stops it.
        p99 = f.get("frame_us_p99")
        if z and s and p99 is not None:
            t50 = z["reqrep_rtt_us_p50"] / 2 + z["pushpull_oneway_us_p50"]
            t99 = z["reqrep_rtt_us_p99"] / 2 + z["pushpull_oneway_us_p99"]
            lit = t50 + s["insert_us_p50"] + 100
            tail = t99 + s["insert_us_p99"] + 100
            if p99 <= lit:
                verdict, ok = "met", True
            elif p99 <= tail:
                verdict, ok = "within the tail bound: the fsync's (disk's) tail stops the literal one", False
            else:
                verdict, ok = "over both: more than one fsync's tail in front of the frame (loop queueing)", False
            raw = ("; disk alone fdatasync p50 / p99 %s / %s us" % (fmt(s.get("fsync_us_p50"), "", 0), fmt(s.get("fsync_us_p99"), "", 0))
                   if s.get("fsync_us_p99") is not None else "")
            table.append(("fire -> frame p99 vs the goal, literal (transport p50 + fsync p50 + 100 us) and "
                          "tail-consistent (transport p99 + fsync p99 + 100 us); fsync = bench_store's PENDING insert",
                          "p99 <= transport + one fsync + 100 us",
                          "p99 %s us" % fmt(p99, "", 0),
                          "literal %s us (%s + %s + 100); tail %s us (%s + %s + 100)" % (
                              fmt(lit, "", 0), fmt(t50, "", 0), fmt(s["insert_us_p50"], "", 0),
                              fmt(tail, "", 0), fmt(t99, "", 0), fmt(s["insert_us_p99"], "", 0)) + raw,
                          "%s / %s" % (fmt(ratio(p99, lit), " x", 2), fmt(ratio(p99, tail), " x", 2)),
                          "met" if ok else "**short** (%s)" % verdict))
        row("fire -> control reply: p50 / p99 / p99.9", "",
            "%s / %s / %s us" % (fmt(f.get("reply_us_p50"), "", 0), fmt(f.get("reply_us_p99"), "", 0), fmt(f.get("reply_us_p999"), "", 0)),
            "REQ/REP rtt p50 / p99 %s / %s us" % (fmt(z.get("reqrep_rtt_us_p50"), "", 0), fmt(z.get("reqrep_rtt_us_p99"), "", 0)) if z else "",
            fmt(ratio(f.get("reply_us_p50"), z.get("reqrep_rtt_us_p50")), " x", 1), None)
        row("fires/s (closed loop, one at a time); refused", "", "%s/s; %d refused" % (fmt(f.get("fires_per_s"), "", 0), f.get("refused", 0)), "", "", None)
    if s:
        row("journal: fire_insert (PENDING) p50 / p99; transition (SENT) p50 / p99", "",
            "%s / %s us; %s / %s us" % (fmt(s["insert_us_p50"], "", 0), fmt(s["insert_us_p99"], "", 0), fmt(s["transition_us_p50"], "", 0), fmt(s["transition_us_p99"], "", 0)),
            "WAL, synchronous=%s, %s" % (s.get("synchronous"), m["fs_tmp"]), "", None)

    # 4. scale
    scale_rows = []
    for r in rows:
        lab = r.get("label", "")
        if (lab.startswith("scale.") and not lab.startswith("scale.baseline") and r.get("bench") == "scale"
                and len(lab.split(".")) == 2):
            n = r["eas"]
            asked = lab.split(".")[1]
            b = one("scale.baseline.%s" % asked)
            scale_rows.append((n, r, b))
            big = n >= 9000
            cut = " (%s asked: %s)" % (asked, r["fit_why"]) if r.get("fit_why") else ""
            # Rounds (bench/run --scale-runs): round k is scale[.baseline].N.rk, run back to back;
            # each round's ratio, then the median of them and of each figure.
            pairs = [(r, b)] if b else []
            for k in range(2, 100):
                rk, bk = one("scale.%s.r%d" % (asked, k)), one("scale.baseline.%s.r%d" % (asked, k))
                if not rk:
                    break
                if bk and rk.get("bench") == "scale" and bk.get("bench") == "scale":
                    pairs.append((rk, bk))
            rcs = [x for x in (ratio(p.get("cpu_pct"), q.get("cpu_pct")) for p, q in pairs) if x is not None]
            rrs = [x for x in (ratio(p.get("rss_kb"), q.get("rss_kb")) for p, q in pairs) if x is not None]
            rc = statistics.median(rcs) if rcs else None
            rr = statistics.median(rrs) if rrs else None
            if len(pairs) > 1:
                cpu_of = lambda xs: statistics.median([x.get("cpu_pct", 0) for x in xs])
                rss_of = lambda xs: statistics.median([x.get("rss_kb", 0) for x in xs])
                r = dict(r, cpu_pct=cpu_of([p for p, _ in pairs]), rss_kb=rss_of([p for p, _ in pairs]))
                b = dict(b, cpu_pct=cpu_of([q for _, q in pairs]), rss_kb=rss_of([q for _, q in pairs]))
                rounds = " (median of %d alternated rounds; each round's ratio: %s)"
                cpu_rounds = rounds % (len(pairs), " / ".join("%.2f" % x for x in rcs))
                rss_rounds = rounds % (len(pairs), " / ".join("%.2f" % x for x in rrs))
            else:
                cpu_rounds = rss_rounds = ""
            # The baseline does bittend's transport work, not less: it drains the same PULL and
            # sends bittend's keepalive frame to every PUSH peer at the same interval.
            bka = " (same transport: PULL drained, keepalive to each PUSH peer every %s s)" % b.get("keepalive_s", "?") if b else ""
            row("%d EAs: bittend CPU (%.0f s window)%s%s" % (n, r.get("measured_s", 0), cut, cpu_rounds), "<= 1.3 x bare libzmq" if big else "",
                fmt(r.get("cpu_pct"), "%", 1), "bare libzmq %s%s" % (fmt(b.get("cpu_pct"), "%", 1), bka) if b else "",
                fmt(rc, " x", 2) if b else "", (rc is not None and rc <= 1.3) if big else None)
            row("%d EAs: bittend RSS%s" % (n, rss_rounds), "<= 1.1 x bare libzmq" if big else "", fmt(r.get("rss_kb", 0) / 1024, " MB", 0),
                "bare libzmq %s" % fmt(b.get("rss_kb", 0) / 1024, " MB", 0) if b else "",
                fmt(rr, " x", 2) if b else "", (rr is not None and rr <= 1.1) if big else None)
            ok = r.get("online") == n and r.get("online_after_stop") == n - r.get("stopped", 0)
            row("%d EAs: liveness (online, keepalives on %d sampled PULLs, %d stopped -> offline)" % (n, r.get("hb_sample", 0), r.get("stopped", 0)),
                "online = N; keepalive each 5 s; offline after 10 s",
                "online %d; keepalives min %d mean %.1f per %.0f s; offline seen at %.1f s (online %d after)" % (
                    r.get("online", -1), r.get("hb_min", -1), r.get("hb_mean", 0), r.get("measured_s", 0), r.get("offline_seen_s", -1), r.get("online_after_stop", -1)),
                "fds %d (idle %d); status command.peers %d; accounts %s" % (r.get("fds", -1), r.get("fds_idle", -1), r.get("command_peers", -1), r.get("accounts_created", "?")),
                "", ok and r.get("hb_min", 0) >= max(1, int(r.get("measured_s", 0) / 5) - 1))

    # 5. memory
    ib = by("ingest.bittend.")
    mem = []
    if ib:
        mem.append(("idle (just started)", fmt(med(ib, "rss_idle_kb") / 1024, " MB", 1)))
        mem.append(("after %s-frame ingest flood (VmHWM)" % fmt(ib[0]["frames"]), "%s (%s)" % (fmt(med(ib, "rss_after_kb") / 1024, " MB", 1), fmt(med(ib, "hwm_kb") / 1024, " MB", 1))))
    if f:
        mem.append(("after %d fires, %d accounts" % (f.get("fires", 0), f.get("accounts", 0)), fmt(f.get("rss_after_kb", 0) / 1024, " MB", 1)))
    for n, r, b in scale_rows:
        mem.append(("%d EAs connected, loaded" % n, fmt(r.get("rss_kb", 0) / 1024, " MB", 1) + " (%.1f KB per EA over idle)" % ((r.get("rss_kb", 0) - r.get("rss_idle_kb", 0)) / n)))
    soak = one("soak")
    soak_text = ""
    def soak_growth(r):
        smp = r.get("rss_samples") or []
        if not smp:
            return None
        warm_s = 600 if smp[-1][0] >= 1200 else smp[-1][0] / 2  # warm-up: 10 min, or half a short soak
        first, last = smp[0][1], smp[-1][1]
        warm = [kb for t, kb in smp if t >= warm_s] or [last]
        return first, warm[0], last, (max(warm) - min(warm)) / min(warm) * 100.0
    g = soak_growth(soak)
    if g:
        first, warm, last, spread = g
        soak_text = ("soak %.0f s, %d EAs: RSS %s MB at 10 s, %s MB after the warm-up (10 min, or half a shorter soak), %s MB at the end; after the warm-up within %.1f%%" % (
            soak.get("measured_s", 0), soak.get("eas", 0), fmt(first / 1024, "", 1), fmt(warm / 1024, "", 1), fmt(last / 1024, "", 1), spread))
        mem.append(("soak growth", soak_text))
        bg = soak_growth(one("soak.baseline"))
        if bg:
            mem.append(("soak, bare libzmq (same minutes)", "RSS %s MB at 10 s, %s MB after the warm-up, %s MB at the end; after the warm-up within %.1f%%" % (
                fmt(bg[0] / 1024, "", 1), fmt(bg[1] / 1024, "", 1), fmt(bg[2] / 1024, "", 1), bg[3])))
        row("soak, %d EAs, %.0f min: RSS after the warm-up (docs/soak-rss.png)" % (soak.get("eas", 0), soak.get("measured_s", 0) / 60),
            "flat within 5% over 30 min", "%s -> %s MB (level %+.1f%%; max - min %.1f%%)" % (fmt(warm / 1024, "", 1), fmt(last / 1024, "", 1), (last - warm) / warm * 100.0, spread),
            "bare libzmq %s -> %s MB" % (fmt(bg[1] / 1024, "", 1), fmt(bg[2] / 1024, "", 1)) if bg else "",
            "" if soak.get("measured_s", 0) >= 1200 else "under 20 min: not judged",
            (spread <= 5.0) if soak.get("measured_s", 0) >= 1200 else None)

    # output
    lines = []
    lines.append("| what | goal | result | baseline (same run) | ratio | |")
    lines.append("|---|---|---|---|---|---|")
    for t in table:
        lines.append("| " + " | ".join(str(c) for c in t) + " |")
    tab = "\n".join(lines)
    memtab = "\n".join(["| when | bittend RSS |", "|---|---|"] + ["| %s | %s |" % x for x in mem])
    print()
    print(tab)
    print()
    print(memtab)
    if failed:
        print("\nFAILED: " + ", ".join(failed))

    profiles = ""
    if a.results_dir:
        for name in sorted(os.listdir(a.results_dir)):
            if name.endswith(".perf.txt"):
                body = open(os.path.join(a.results_dir, name)).read().strip()
                if body:
                    profiles += "\n### perf: %s\n\n```\n%s\n```\n" % (name[:-9], body[:4000])
    load = ""
    if a.results_dir:
        for name, when in (("load_start.txt", "start"), ("load_end.txt", "end")):
            pth = os.path.join(a.results_dir, name)
            if os.path.exists(pth):
                load += "At the %s of the run: `/proc/loadavg` and the busiest processes:\n\n```\n%s\n```\n\n" % (when, open(pth).read().strip())
    quick = a.mode == "quick"
    P = dict(frames=100000 if quick else 500000, ticks=1000000 if quick else 5000000,
             sparse=300000 if quick else 2000000, fires=2000 if quick else 10000,
             accounts=500 if quick else 2000, sizes="1000" if quick else "1000 5000 10000",
             window=10 if quick else 30, lat=2000 if quick else 10000, store=500 if quick else 2000)
    commands = """```sh
B=build-bench/bench; D=../shared/data
# 1. ingest, {runs} runs of each target, alternating
$B/bench_ingest --target bittend|A|B|C --frames {frames} --bittend build-bench/bittend \\
    --recv $B/bench_baseline_recv --python /usr/bin/python3 --py-script bench/baseline_c.py
# 2. tick path
$B/bench_ticks --ticks {ticks} --per-minute 12 --m5 $D/candles_m5_2025-09.csv --m1 $D/candles_m1_2025-09-15.csv
$B/bench_ticks --ticks {sparse} --per-minute 0  --m5 ... --m1 ...
# 3. decision latency (the --set risk.* only when bittend knows the keys)
$B/bench_zmq_lat {lat}
$B/bench_store {store}
$B/bench_fire --bittend build-bench/bittend --accounts {accounts} --fires {fires} \\
    --set risk.fire_spacing_s=0 --set risk.max_fires_per_window=64 --set risk.rate_window_s=1 \\
    --set risk.commander.fires_per_day=1000 --set risk.commander.max_positions=32
# 4. scale, for N in {sizes} (--fit 1: N cut to what bittend's fd limit holds, same N for both);
#    the largest N: --scale-runs rounds (3 in full mode) of the pair, alternated
$B/bench_scale --eas N --window {window} --fit 1 --bittend build-bench/bittend --baseline $B/bench_baseline_recv
$B/bench_scale --eas N --window {window} --fit 1 --bittend build-bench/bittend
# 5. soak (--soak-minutes M): both at once, then bench/soak_plot writes docs/soak-rss.png
$B/bench_scale --eas 1000 --window $((M * 60)) --rss-every 10 --keepalive 30 --baseline $B/bench_baseline_recv &
$B/bench_scale --eas 1000 --window $((M * 60)) --rss-every 10 --keepalive 30 --bittend build-bench/bittend
```""".format(runs=a.runs, **P)
    verdicts = [t for t in table if t[5]]
    met = [t[0] for t in verdicts if t[5] == "met"]
    short = [t[0] for t in verdicts if t[5] != "met"]
    summary = "Goals met: %d of %d.%s" % (len(met), len(verdicts),
        (" Short: " + "; ".join(short) + ". What bounds each is under \"Where the figures are bound\" below.") if short else "")
    notes = open(a.notes).read() if a.notes and os.path.exists(a.notes) else ""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = f"""# Performance

Generated by `{a.cmdline.strip()}` ({a.mode} mode) on {now}, commit `{m['commit']}`. Re-run with
`bench/run` (about 11 minutes on 2 cores; `--quick` about 2, `--soak-minutes N` adds a soak, `--profile`
adds perf profiles of bittend). Everything runs on 127.0.0.1; each figure is compared with a
baseline measured **in the same run on the same machine**; throughputs are medians of
{a.runs} runs. No test asserts on any of these timings.

## Machine

| | |
|---|---|
| CPU | {m['cpu']}, nproc = {m['nproc']} |
| memory | {m['mem']} |
| OS / kernel | {m['os']} / {m['kernel']} |
| libzmq / jansson / SQLite | {m['libzmq']} / {m['jansson']} / {m['sqlite']} |
| python3-zmq (baseline C) | {m['python_zmq']} |
| state dirs (journal fsync) | /tmp on {m['fs_tmp']} |
| RLIMIT_NOFILE hard | {m['nofile']} |

The bench client shares the 2 cores with bittend: every throughput here is bittend plus its
load generator on 2 cores (the baselines get exactly the same client). Other work on the
machine during the run (other engineers' tests and fuzzers share it) is shown here, because it
moves every figure:

{load}
## Results

{summary}

{tab}

## Memory

{memtab}

## Commands

`bench/run` runs, in this order:

{commands}

## How each figure is measured

1. **Ingest** (`bench/bench_ingest.c`): one PUSH client floods N telemetry frames
   (`bitten_encode_telemetry`, 300 distinct uuids, 175 bytes) over tcp loopback to bittend
   (`feedback.socket = pull`, so nothing is dropped; `log.level = warn`). A warm-up of one frame
   per uuid (accounts are created then) is outside the timing. Time = first send until
   `frames_in.telemetry` in `status` reaches N (polled every 100 ms over the control socket,
   the crossing interpolated between two polls). Baselines, each a separate process fed by the
   same client: **A** bare libzmq PULL receive loop (`bench_baseline_recv recv`), **B** the same
   + `json_loadb` + `json_decref` (`bench_baseline_recv json`), **C** python3 + python3-zmq +
   `json.loads` (`bench/baseline_c.py`); they stop the clock at their N-th frame.
2. **Tick path** (`bench/bench_ticks.c`, links `bitten_core`): the shared M5 and M1 candle CSVs
   expanded to ticks, fed to `venom_engine_on_tick`, looped with the times shifted by whole
   weeks (weekdays and sessions kept) so the engine keeps going. Two densities: 12 ticks per
   minute per symbol (what the recorded EA stream `ea_ticks_2025-09-15.jsonl` carries: 1,500
   frames, 15 symbols, 8 minutes) and the README's 4 ticks per bar. VENOM evaluates on every
   M1 close, so the cost per tick is set by how many ticks fall in a minute. On each signal
   `venom_engine_context` + `citadel_evaluate` are timed.
3. **Decision latency** (`bench/bench_fire.c`): an EA (command PULL + feedback PUSH) and an
   `accounts` section of COMMANDER/manual accounts with fresh telemetry (balance 100000, margin
   and free_margin present); `{{"cmd":"fire",...}}` over the control REQ (ipc), one at a time,
   distinct signal_ids, round-robin over the accounts. Latency = request sent -> the `signal`
   frame received on the PULL, and -> the control reply. The EA acknowledges each fill with a
   `trade_result`. XP & risk's pacing (fire spacing, fires per window/day, max positions) is
   lifted with `--set risk.*` so the fires pass the gate instead of being refused. Baselines
   (`bench/bench_zmq_lat.c`, two processes): bare REQ/REP round trip over ipc and PUSH/PULL
   one-way over tcp. Journal (`bench/bench_store.c`): `bitten_store_fire_insert` then
   `bitten_store_fire_transition` in a temp dir on the same filesystem.
4. **Scale** (`bench/bench_scale.c`): N simulated EAs, each with its own command PULL and
   feedback PUSH, telemetry every second (spread evenly) and a heartbeat every 5 s;
   `ea.offline_after_s = 10`, `command.keepalive_s = 5`, and `default_account.max_auto_created`
   at least N, so every EA is an account of bittend's (created on its first frame). bittend CPU from `/proc/PID/stat`
   (utime+stime) over the window, RSS from `VmRSS`, fds from `/proc/PID/fd`; liveness: `status`
   `eas.online` = N, keepalive frames counted on 20 sampled PULLs, then 10 EAs stopped and
   timed until `eas.online` drops by 10 (and no further). Baseline: the same client against a
   bare libzmq process doing the transport work bittend must do, nothing more
   (`bench_baseline_recv scale KEEPALIVE_S`): it binds the same PULL + PUSH with bittend's
   options (feedback.rcvhwm, command.sndhwm, `ZMQ_IMMEDIATE`), drains the PULL at each wakeup,
   and sends bittend's keepalive frame (the same encoder) once per connected PUSH peer (counted
   by a socket monitor, as bittend counts them) every `command.keepalive_s`; its row carries
   the keepalives it sent and those counted on 20 sampled PULLs. The client spreads
   its EAs over processes (4 fds per EA client-side: two tcp fds and two socket mailboxes).
   Both run the same window. At the largest N the pair runs `--scale-runs` rounds (3 in full
   mode), baseline then bittend in each: the verdict is on the median of the rounds' ratios.
   `--fit 1` counts an idle bittend's own fds and runs the largest N that fits
   `RLIMIT_NOFILE` (raised to the hard limit) with 2 fds per EA and 4 spare.
5. **Memory**: RSS at idle and after each load above; `--soak-minutes N` runs 1,000 EAs for N
   minutes against bittend (the default `command.keepalive_s`, 30) and, at the same time,
   against the bare-libzmq baseline, sampling RSS every 10 s; the row compares RSS after the
   warm-up (10 minutes, or half a shorter soak) with the end; `docs/soak-rss.png` plots both.

{notes}
{profiles}
"""
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(doc)


if __name__ == "__main__":
    main()
