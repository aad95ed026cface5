#!/usr/bin/env bash
# Reruns every figure of BENCHMARKS.md (issue 15) and prints them as markdown tables.
#
#   benches/run.sh                      # sizes 1, 10 and 100 times the real FAQ
#   SIZES="1 10" benches/run.sh         # fewer sizes
#
# Sections (each skipped when its variable is 1): SKIP_GROWTH (synth, build, size, cold start,
# RSS per size), SKIP_LATENCY (in-process turn/ask p50/p99 per size), SKIP_HTTP (wrk at 1x, 64
# connections), SKIP_HTTP1000 (wrk, 1,000 connections on /v1/chat), SKIP_STORES (session stores
# alone), SKIP_BM25 (jieba + bm25s baseline against `bujiao ask --jsonl`), SKIP_PUBLISH (per size:
# one phrasing added to one entry of the running server's corpus, SIGHUP, seconds until /healthz
# names the new generation; then seconds until the background full build replaces the patch).
# Knobs: STEP_TIMEOUT (seconds one step of one size may take, default 600), WRK_DURATION (10s),
# WRK_THREADS (2), BENCH_OUT (work dir, default target/bench-run), SESSIONS (store `serve` uses
# under load, default sqlite as shipped).
#
# Needs: cargo; installs wrk (apt) and bm25s + jieba (pip) when missing; redis-server is optional
# (the Redis store is skipped without it). Every server it starts listens on a free port of
# 127.0.0.1 and is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SIZES=${SIZES:-1 10 100}
OUT=${BENCH_OUT:-$ROOT/target/bench-run}
STEP_TIMEOUT=${STEP_TIMEOUT:-600}
WRK_DURATION=${WRK_DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
SESSIONS=${SESSIONS:-sqlite}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/bujiao
LAT=$TARGET/release/examples/latency
skip() { [ "${!1:-0}" = 1 ]; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
mb() { python3 -c "print(f'{$1/1048576:.1f}')"; }

# ---------------------------------------------------------------- tools
if ! skip SKIP_HTTP || ! skip SKIP_HTTP1000; then
    command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null; }
fi
if ! skip SKIP_BM25; then
    python3 -c 'import bm25s, jieba' 2>/dev/null || { log "installing bm25s jieba"; pip install -q bm25s jieba; }
fi
command -v jq >/dev/null || { log "installing jq"; apt-get install -y jq >/dev/null; }

log "building release (bujiao, examples/latency)"
cargo build --release --locked --bin bujiao --example latency >&2
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
# Each record carries the load average: on a shared machine other work skews every figure.
record() { echo "$1" | jq -c --arg l "$(cut -d' ' -f1-3 /proc/loadavg)" '. + {loadavg:$l}' >>"$RESULTS"; }

# ---------------------------------------------------------------- question sets
# Every distinct "q" of the development and blind sets.
QREAL=$OUT/questions-real.jsonl
cat tests/eval/*.jsonl tests/eval/blind/*.jsonl | jq -c 'select(.q != null) | {q}' | awk '!seen[$0]++' >"$QREAL"
log "$(wc -l <"$QREAL") distinct questions"

# serve KB INDEX DATA PORT LOG [SESSIONS] → pid of a server on 127.0.0.1:PORT
start_serve() {
    local kb=$1 idx=$2 data=$3 port=$4 logf=$5 store=${6:-$SESSIONS}
    "$BIN" --knowledge "$kb" --index "$idx" --data "$data" serve --addr "127.0.0.1:$port" --sessions "$store" \
        </dev/null >"$logf" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    echo "$pid"
}
# wait_ready PORT PID → seconds until /readyz answers 200 (or fails)
wait_ready() {
    local port=$1 pid=$2 t0=$3
    for _ in $(seq 1 60000); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then
            secs "$t0" "$(now)"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { echo "died"; return 1; }
        sleep 0.01
    done
    echo "timeout"
    return 1
}
stop_serve() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
generation() { curl -fs "http://127.0.0.1:$1/healthz" | jq -r .index; }
# measure_publish SIZE KB PORT PID LOG: an editor's one-entry change, published by SIGHUP (the
# admin API's publish reloads the same way); seconds until the new generation serves, whether it
# was a patch, and seconds until the full build replaced it.
measure_publish() {
    local n=$1 kb=$2 port=$3 pid=$4 logf=$5
    local before patched full after t0 live_s full_s=na
    before=$(generation "$port")
    python3 - "$kb/faq/pension.toml" <<'PY'
import sys, time
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s = s.replace("similar = [\n", f'similar = [\n  "基准测试新加的一个问法{int(time.time())}",\n', 1)
open(p, "w", encoding="utf-8").write(s)
PY
    t0=$(now)
    kill -HUP "$pid"
    after=$before
    for _ in $(seq 1 12000); do
        after=$(generation "$port")
        [ "$after" != "$before" ] && break
        sleep 0.05
    done
    live_s=$(secs "$t0" "$(now)")
    patched=$(grep -c "index updated in place" "$logf" || true)
    for _ in $(seq 1 12000); do
        if grep -q "patched index replaced by a full build" "$logf"; then
            full_s=$(secs "$t0" "$(now)")
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    record "$(jq -nc --arg n "$n" --arg live "$live_s" --arg full "$full_s" --arg p "$patched" \
        '{section:"publish", size:($n|tonumber), live_s:$live, full_rebuild_s:$full, patched:(($p|tonumber) > 0)}')"
}
status_kb() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }

# ---------------------------------------------------------------- growth + latency per size
for N in $SIZES; do
    skip SKIP_GROWTH && skip SKIP_LATENCY && break
    KB=$OUT/kb-$N IDX=$OUT/index-$N DATA=$OUT/data-$N
    rm -rf "$KB" "$IDX" "$DATA"
    log "size ${N}x: synth"
    t0=$(now)
    "$BIN" kb synth --factor "$N" --out "$KB" 2>"$OUT/synth-$N.log"
    synth_s=$(secs "$t0" "$(now)")
    t0=$(now)
    "$BIN" --knowledge "$KB" kb validate >"$OUT/validate-$N.log" 2>&1 || { log "validate failed: $OUT/validate-$N.log"; exit 1; }
    validate_s=$(secs "$t0" "$(now)")
    "$BIN" --knowledge "$KB" kb export --jsonl >"$OUT/export-$N.jsonl"
    entries=$(jq -c 'select(.kind=="faq") | 1' "$OUT/export-$N.jsonl" | wc -l)
    phrasings=$(jq -c 'select(.kind=="faq" or .kind=="article") | .questions | length' "$OUT/export-$N.jsonl" | awk '{n+=$1} END {print n}')
    log "size ${N}x: $entries entries, $phrasings phrasings; index build"
    t0=$(now)
    if ! timeout "$STEP_TIMEOUT" /usr/bin/time -f '%M' -o "$OUT/build-$N.time" \
        "$BIN" --knowledge "$KB" --index "$IDX" index build 2>"$OUT/build-$N.log"; then
        log "size ${N}x: index build did not finish within ${STEP_TIMEOUT}s"
        record "$(jq -nc --arg n "$N" --arg e "$entries" --arg p "$phrasings" --arg t "$STEP_TIMEOUT" \
            '{section:"growth", size:($n|tonumber), entries:($e|tonumber), phrasings:($p|tonumber), build:("timeout > " + $t + " s")}')"
        continue
    fi
    build_s=$(secs "$t0" "$(now)")
    build_rss_mb=$(python3 -c "print(f'{$(tail -1 "$OUT/build-$N.time")/1024:.0f}')")
    index_bytes=$(du -sb "$IDX" | cut -f1)
    clf_bytes=$(find "$IDX" -name classifier.bin -printf '%s\n' | sort -n | tail -1)
    clf_bytes=${clf_bytes:-0}

    cold_s=na rss=na hwm=na
    if ! skip SKIP_GROWTH; then
        PORT=$(free_port)
        mkdir -p "$DATA"
        t0=$(now)
        pid=$(start_serve "$KB" "$IDX" "$DATA" "$PORT" "$OUT/serve-$N.log")
        cold_s=$(wait_ready "$PORT" "$pid" "$t0") || { log "serve ${N}x: $cold_s"; cold_s="failed"; }
        if [ "$cold_s" != failed ]; then
            # Warm up over 300 distinct questions (ask and chat), then read the memory.
            head -300 "$QREAL" | jq -c '{text: .q}' | while read -r body; do
                curl -fs -o /dev/null -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$PORT/v1/ask" || true
            done
            head -300 "$QREAL" | jq -c --arg n "$N" '{session: ("warm-" + $n + "-" + (input_line_number|tostring)), text: .q}' | while read -r body; do
                curl -fs -o /dev/null -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$PORT/v1/chat" || true
            done
            rss=$(status_kb "$pid" VmRSS) hwm=$(status_kb "$pid" VmHWM)
            rss=$(python3 -c "print(f'{$rss/1024:.0f}')") hwm=$(python3 -c "print(f'{$hwm/1024:.0f}')")
            if ! skip SKIP_PUBLISH; then
                measure_publish "$N" "$KB" "$PORT" "$pid" "$OUT/serve-$N.log"
            fi
        fi
        stop_serve "$pid"
    fi
    lat='{}'
    if ! skip SKIP_LATENCY; then
        log "size ${N}x: in-process latency"
        qfiles=("$QREAL")
        if [ "$N" -gt 1 ]; then
            # The same questions about the synthetic corpus's own cities.
            "$LAT" localize --knowledge "$KB" --index "$IDX" "$QREAL" >"$OUT/questions-$N.jsonl"
            qfiles+=("$OUT/questions-$N.jsonl")
        fi
        lat=$(timeout "$STEP_TIMEOUT" "$LAT" ask --knowledge "$KB" --index "$IDX" "${qfiles[@]}" 2>"$OUT/latency-$N.log") || lat='{"error":"failed or timed out"}'
    fi
    record "$(jq -nc --argjson lat "$lat" --arg n "$N" --arg e "$entries" --arg p "$phrasings" \
        --arg synth "$synth_s" --arg val "$validate_s" --arg b "$build_s" --arg brss "$build_rss_mb" \
        --arg ib "$index_bytes" --arg cb "$clf_bytes" --arg cold "$cold_s" --arg rss "$rss" --arg hwm "$hwm" \
        '{section:"growth", size:($n|tonumber), entries:($e|tonumber), phrasings:($p|tonumber), synth_s:$synth,
          validate_s:$val, build_s:$b, build_peak_rss_mb:$brss, index_mb:(($ib|tonumber)/1048576*10|round/10),
          classifier_mb:(($cb|tonumber)/1048576*10|round/10), cold_start_s:$cold, rss_mb:$rss, hwm_mb:$hwm, latency:$lat}')"
done

# The real corpus with its index, for the sections below.
KB1=$OUT/kb-1 IDX1=$OUT/index-1
if [ ! -f "$IDX1/CURRENT" ]; then
    rm -rf "$KB1" "$IDX1"
    "$BIN" kb synth --factor 1 --out "$KB1" 2>/dev/null
    "$BIN" --knowledge "$KB1" --index "$IDX1" index build 2>/dev/null
fi

# ---------------------------------------------------------------- HTTP under load (1x)
# wrk_run NAME URL_PATH CONNECTIONS LUA → one JSON line from the script's done()
wrk_run() {
    local name=$1 path=$2 conns=$3 lua=$4 port=$5
    local json
    json=$(wrk -t"$WRK_THREADS" -c"$conns" -d"$WRK_DURATION" --timeout 10s -s "$lua" "http://127.0.0.1:$port$path" 2>&1 | grep '^{' | tail -1)
    echo "$json" | jq -c --arg name "$name" --arg c "$conns" '. + {name:$name, connections:($c|tonumber)}'
}
make_lua() {
    # Bodies rotate over every distinct question; chat gets a new session id per request.
    local kind=$1 qfile=$2 lua=$3
    jq -c '.q' "$qfile" >"$lua.questions"
    cat >"$lua" <<EOF
local kind = "$kind"
local questions = {}
for line in io.lines("$lua.questions") do questions[#questions + 1] = line end
local counter, nthreads = 0, 0
local threads = {}
setup = function(thread) nthreads = nthreads + 1; thread:set("tid", nthreads); table.insert(threads, thread) end
init = function(args) counter = 0 end
request = function()
    counter = counter + 1
    if kind == "healthz" then return wrk.format("GET") end
    local q = questions[(counter * 7 + (tid or 0) * 131) % #questions + 1]
    local body
    if kind == "chat" then
        body = '{"session":"wrk-' .. (tid or 0) .. '-' .. counter .. '","text":' .. q .. '}'
    else
        body = '{"text":' .. q .. '}'
    end
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
    if status ~= 200 then bad = (bad or 0) + 1 end
end
done = function(summary, latency, requests)
    local non200 = 0
    for _, t in ipairs(threads) do non200 = non200 + (t:get("bad") or 0) end
    local e = summary.errors
    io.write(string.format('{"requests":%d,"duration_s":%.3f,"req_per_s":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non_200":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        non200, e.connect, e.read, e.write, e.timeout))
end
EOF
}

if ! skip SKIP_HTTP || ! skip SKIP_HTTP1000; then
    ulimit -n 65536 2>/dev/null || ulimit -n 4096 || true
    for k in healthz chat ask; do make_lua "$k" "$QREAL" "$OUT/wrk-$k.lua"; done
    PORT=$(free_port)
    DATA=$OUT/data-http
    rm -rf "$DATA" && mkdir -p "$DATA"
    t0=$(now)
    pid=$(start_serve "$KB1" "$IDX1" "$DATA" "$PORT" "$OUT/serve-http.log")
    wait_ready "$PORT" "$pid" "$t0" >/dev/null
    # Warm-up (not measured).
    wrk -t"$WRK_THREADS" -c64 -d3s -s "$OUT/wrk-chat.lua" "http://127.0.0.1:$PORT/v1/chat" >/dev/null 2>&1 || true
    if ! skip SKIP_HTTP; then
        log "HTTP 64 connections: /healthz, /v1/chat, /v1/ask ($WRK_DURATION each, sessions: $SESSIONS)"
        for k in healthz chat ask; do
            path=/healthz; [ "$k" = chat ] && path=/v1/chat; [ "$k" = ask ] && path=/v1/ask
            r=$(wrk_run "$k" "$path" 64 "$OUT/wrk-$k.lua" "$PORT")
            log "$r"
            record "$(echo "$r" | jq -c --arg s "$SESSIONS" '. + {section:"http", sessions:$s}')"
        done
    fi
    if ! skip SKIP_HTTP1000; then
        log "HTTP 1000 connections: /v1/chat"
        r=$(wrk_run chat /v1/chat 1000 "$OUT/wrk-chat.lua" "$PORT")
        log "$r"
        threads=$(awk '$1=="Threads:" {print $2}' "/proc/$pid/status")
        record "$(echo "$r" | jq -c --arg s "$SESSIONS" --arg t "$threads" '. + {section:"http1000", sessions:$s, server_threads_after:($t|tonumber)}')"
    fi
    stop_serve "$pid"
fi

# ---------------------------------------------------------------- session stores alone
if ! skip SKIP_STORES; then
    redis_url=""
    if command -v redis-server >/dev/null; then
        RPORT=$(free_port)
        redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
        PIDS+=("$!")
        for _ in $(seq 1 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
        redis_url="redis://127.0.0.1:$RPORT"
    fi
    log "session stores alone"
    r=$("$LAT" stores --knowledge "$KB1" --index "$IDX1" ${redis_url:+--redis "$redis_url"} 2>"$OUT/stores.log")
    record "$(echo "$r" | jq -c '. + {section:"stores"}')"
fi

# ---------------------------------------------------------------- against jieba + BM25
if ! skip SKIP_BM25; then
    log "jieba + bm25s baseline against bujiao ask --jsonl"
    "$BIN" --knowledge "$KB1" kb export --jsonl >"$OUT/export.jsonl"
    head -1000 "$QREAL" >"$OUT/q1000.jsonl"
    jq -c '{text: .q}' "$OUT/q1000.jsonl" >"$OUT/q1000-ask.jsonl"
    tb=() tp=()
    for i in 1 2 3; do
        rm -rf "$OUT/data-ask"
        t0=$(now)
        "$BIN" --knowledge "$KB1" --index "$IDX1" --data "$OUT/data-ask" ask --jsonl <"$OUT/q1000-ask.jsonl" >"$OUT/ask-out.jsonl" 2>/dev/null
        tb+=("$(secs "$t0" "$(now)")")
        t0=$(now)
        python3 benches/bm25_baseline.py --user-dict "$KB1/dict/user.dict" "$OUT/export.jsonl" "$OUT/q1000.jsonl" >"$OUT/bm25-out.jsonl"
        tp+=("$(secs "$t0" "$(now)")")
    done
    [ "$(wc -l <"$OUT/ask-out.jsonl")" = 1000 ] || log "warning: bujiao answered $(wc -l <"$OUT/ask-out.jsonl") of 1000"
    med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
    b=$(med "${tb[@]}") p=$(med "${tp[@]}")
    bj=$("$BIN" --knowledge "$KB1" --index "$IDX1" eval --set tests/eval --json 2>/dev/null | jq -c '{hit_at_1, in_domain}')
    bm=$(python3 benches/bm25_baseline.py --eval --user-dict "$KB1/dict/user.dict" "$OUT/export.jsonl" tests/eval/dev-*.jsonl)
    record "$(jq -nc --arg b "$b" --arg p "$p" --argjson bj "$bj" --argjson bm "$bm" --arg tb "${tb[*]}" --arg tp "${tp[*]}" \
        '{section:"bm25", bujiao_s:($b|tonumber), bm25_s:($p|tonumber), ratio:(($p|tonumber)/($b|tonumber)*100|round/100),
          bujiao_runs:$tb, bm25_runs:$tp, bujiao_dev:$bj, bm25_dev:$bm}')"
fi

# ---------------------------------------------------------------- report
log "results in $RESULTS"
python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def sec(s): return [r for r in rows if r["section"] == s]
g = sec("growth")
if g:
    print("| size | entries | phrasings | build s | build peak RSS MB | index+model MB | classifier MB | cold start s | RSS MB | HWM MB | turn p50 µs | turn p99 µs | ask p50 µs | ask p99 µs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in g:
        lat = r.get("latency") or {}
        t, a = lat.get("turn", {}), lat.get("ask", {})
        print(f"| {r['size']}× | {r['entries']} | {r['phrasings']} | {r.get('build_s', r.get('build'))} | {r.get('build_peak_rss_mb','')} | "
              f"{r.get('index_mb','')} | {r.get('classifier_mb','')} | {r.get('cold_start_s','')} | {r.get('rss_mb','')} | {r.get('hwm_mb','')} | "
              f"{t.get('p50_us','')} | {t.get('p99_us','')} | {a.get('p50_us','')} | {a.get('p99_us','')} |")
    print()
h = sec("http") + sec("http1000")
if h:
    base = next((r["req_per_s"] for r in h if r["name"] == "healthz"), None)
    c64 = next((r["req_per_s"] for r in h if r["name"] == "chat" and r["connections"] == 64), None)
    print("| endpoint | connections | req/s | p50 ms | p99 ms | vs healthz | errors (non-200/connect/read/write/timeout) |")
    print("|---|---|---|---|---|---|---|")
    for r in h:
        rel = f"{r['req_per_s']/base*100:.1f}%" if base and r["connections"] == 64 else (f"{r['req_per_s']/c64*100:.1f}% of 64-conn chat" if c64 else "")
        print(f"| {r['name']} | {r['connections']} | {r['req_per_s']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {rel} | "
              f"{r['non_200']}/{r['connect_errors']}/{r['read_errors']}/{r['write_errors']}/{r['timeouts']} |")
    print()
s = sec("stores")
if s:
    print("| store | turns/s (64 tasks) | p50 µs | p99 µs | peak threads |")
    print("|---|---|---|---|---|")
    for name in ("memory", "sqlite", "redis"):
        v = s[0].get(name)
        if isinstance(v, dict):
            print(f"| {name} | {v['turns_per_s']:.0f} | {v['latency']['p50_us']} | {v['latency']['p99_us']} | {v['peak_threads']} |")
        else:
            print(f"| {name} | {v} | | | |")
    print()
p = sec("publish")
if p:
    print("| size | one-entry publish live s | patched | full build swapped in after s |")
    print("|---|---|---|---|")
    for r in p:
        print(f"| {r['size']}× | {r['live_s']} | {r['patched']} | {r['full_rebuild_s']} |")
    print()
b = sec("bm25")
if b:
    b = b[0]
    print("| 1,000 questions end to end | seconds (median of 3) | dev hit@1 |")
    print("|---|---|---|")
    print(f"| bujiao ask --jsonl | {b['bujiao_s']} | {b['bujiao_dev']['hit_at_1']:.3f} |")
    print(f"| jieba + bm25s | {b['bm25_s']} | {b['bm25_dev']['hit_at_1']:.3f} |")
    print(f"\nbujiao is {b['ratio']}× faster.")
EOF
