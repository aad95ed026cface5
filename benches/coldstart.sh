#!/bin/bash
# Cold start and resident size of `serve` (BENCHMARKS.md, "Start and memory without term strings").
# The server listens on 127.0.0.1:18181 for the run; curl and bc are needed.
# usage: coldstart.sh BIN KNOWLEDGE INDEX  -> seconds until /readyz, resident after 300 asks + 300 chats
BIN=$1; K=$2; I=$3; D=$(mktemp -d)
start=$(date +%s.%N)
$BIN --knowledge $K --index $I --data $D serve --addr 127.0.0.1:18181 > $D/serve.log 2>&1 & pid=$!
until curl -sf http://127.0.0.1:18181/readyz >/dev/null; do sleep 0.01; done
end=$(date +%s.%N)
for j in $(seq 1 300); do
  curl -s http://127.0.0.1:18181/v1/ask -H 'content-type: application/json' -d "{\"text\":\"北京灵活就业医保断缴${j}个月怎么补\"}" > /dev/null
  curl -s http://127.0.0.1:18181/v1/chat -H 'content-type: application/json' -d "{\"session\":\"s$j\",\"text\":\"上海退休医保年限不够${j}年怎么办\"}" > /dev/null
done
echo "ready $(echo "$end - $start" | bc) s; $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \t\n' ' ')"
kill $pid; wait $pid 2>/dev/null; rm -rf $D
