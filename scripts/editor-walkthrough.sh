#!/bin/bash
# End-to-end editor walkthrough on a copy of the shipped knowledge (needs curl and jq; build
# first with `cargo build --release`). Starts `serve` on 127.0.0.1:18080 with two editor tokens,
# then plays a citizen and an editor through the admin API and prints what each step returned.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/bujiao}
W=/tmp/walk; rm -rf $W; mkdir -p $W; cp -r "$ROOT/knowledge" $W/knowledge; cp -r $W/knowledge $W/knowledge.orig
export BUJIAO_KNOWLEDGE_DIR=$W/knowledge BUJIAO_INDEX_DIR=$W/index BUJIAO_DATA_DIR=$W/data
export BUJIAO_ADMIN_TOKENS='mei:walkthrough-token-0123456789,hotline:hotline-token-0123456789:ro'
$BIN serve --addr 127.0.0.1:18080 > $W/serve.log 2>&1 &
PID=$!
for i in $(seq 1 900); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 1; done
T='Authorization: Bearer walkthrough-token-0123456789'
J='content-type: application/json'
U=http://127.0.0.1:18080
say() { echo; echo "### $*"; }
Q='医保补缴能用公积金吗 13812345678'
say "1. a citizen asks (web chat API)"; curl -s $U/v1/chat -H "$J" -d "{\"session\":\"walk-1\",\"text\":\"$Q\"}" | jq -c '{kind,text:.text[0:80],sources:[.sources[].id]}'
sleep 1
say "2. the editor sees it in the unanswered queue"; curl -s $U/v1/admin/unanswered -H "$T" | jq -c '.items[0]|{key,text,count,kinds,candidates:.candidates[0:3]}'
KEY=$(curl -s $U/v1/admin/unanswered -H "$T" | jq -r '.items[0].key')
say "3. preview on the live snapshot"; curl -s $U/v1/admin/preview -H "$T" -H "$J" -d '{"text":"医保补缴能用公积金吗"}' | jq -c '{kind,entry,runner_up,matched_terms,against}'
REC='{"question":"补缴社保、医保能用住房公积金吗？","similar":["公积金能不能拿来补交社保","用公积金补缴养老保险行不行","灵活就业补医保可以提取公积金交吗","住房公积金可以抵扣社保费吗"],"answer":"通常不能直接用住房公积金缴社保费：公积金只能按《住房公积金管理条例》列明的情形提取（购房、建房、还贷、租房、退休等），缴纳社会保险费不在其中；灵活就业人员的社保费由本人直接向征收机构缴纳。少数城市允许因重大疾病等情形提取公积金，以当地公积金中心的规定为准。","tags":["缴费方式"],"insurance":"any","audience":["flexible","employee"],"regions":[],"sources":["law:SIL-60"],"effective":"2011-07-01"}'
say "4. an incomplete edit is refused field by field"; curl -s $U/v1/admin/faq -H "$T" -H "$J" -d '{"record":{"question":"卡丢了","answer":"不能。","similar":[]}}' | jq -c '.error|{code,problems:[.problems[]|{field,message}]}'
say "5. save as draft"; curl -s $U/v1/admin/faq -H "$T" -H "$J" -d "{\"record\":$REC,\"draft\":true}" > $W/draft.json; jq -c '{id,status,version,file,warnings:[.warnings[]|.message]}' $W/draft.json
ID=$(jq -r .id $W/draft.json)
say "6. preview against the edit (snapshot built with it)"; curl -s $U/v1/admin/preview -H "$T" -H "$J" -d "{\"text\":\"医保补缴能用公积金吗\",\"record\":$(curl -s $U/v1/admin/faq/$ID -H "$T" | jq -c '.draft.record')}" | jq -c '{kind,entry,runner_up,against}'
say "7. the citizen still gets the old reply (draft not served)"; curl -s $U/v1/ask -H "$J" -d '{"text":"医保补缴能用公积金吗"}' | jq -c '{kind,sources:[.sources[].id]}'
say "8. a read-only token cannot publish"; curl -s -X POST $U/v1/admin/faq/$ID/publish -H 'Authorization: Bearer hotline-token-0123456789' | jq -c .error
say "9a. publish: the ranking check warns"; curl -s -X POST $U/v1/admin/faq/$ID/publish -H "$T" | jq -c '.error|{code,warnings:[.warnings[]|{field,message}]}'
say "9b. publish with a reason"; curl -s -X POST $U/v1/admin/faq/$ID/publish -H "$T" -H "$J" -d '{"override":"公积金问题应由新条目回答，其他条目只是字面相近"}' | jq -c '{id,status,version,file,reload}'
say "10. the citizen's question is answered now"; curl -s $U/v1/chat -H "$J" -d "{\"session\":\"walk-2\",\"text\":\"$Q\"}" | jq -c '{kind,text:.text[0:60],sources:[.sources[].id]}'
say "11. attach the queued question to the entry"; curl -s -X POST $U/v1/admin/unanswered/$KEY/attach -H "$T" -H "$J" -d "{\"entry\":\"$ID\",\"text\":\"医保补缴能不能用公积金\"}" | jq -c '{id,status,version,error}'
V=$(curl -s $U/v1/admin/faq/$ID -H "$T" | jq -r .version)
say "12. a stale write is refused"; curl -s -X PUT $U/v1/admin/faq/$ID -H "$T" -H "$J" -H 'If-Match: "0000000000000000"' -d "{\"record\":$REC}" | jq -c '.error|{code,current_version}'
say "13. the audit log"; curl -s "$U/v1/admin/audit?target=$ID" -H "$T" | jq -c '.items[]|{seq,who,action,version_before,version_after,reason}'
say "14. stats"; curl -s "$U/v1/admin/stats?days=1" -H "$T" | jq -c '{questions,answered_share,clarified_share,fallback_share,top_entries:.top_entries[0:3],never_hit:(.never_hit|length)}'
say "15. the change on disk is one file"; diff -ru $W/knowledge.orig $W/knowledge | head -40
say "16. healthz"; curl -s $U/healthz | jq -c .
kill -TERM $PID; wait $PID; echo "serve exited $?"
grep -c "13812345678" $W/data/*.sqlite3 2>/dev/null | sed 's/^/phone number occurrences in records: /'
