#!/usr/bin/env python3
"""The obvious alternative to bujiao (issue 15): plain jieba + BM25 (bm25s) over the same corpus.

    bujiao kb export --jsonl > export.jsonl
    python3 benches/bm25_baseline.py export.jsonl QUESTIONS.jsonl... > answers.jsonl
    python3 benches/bm25_baseline.py --eval export.jsonl tests/eval/dev-*.jsonl

Indexes every exported phrasing (FAQ standard and similar questions, article titles and
questions), one BM25 document each, segmented with jieba's search mode (with the knowledge
base's user dictionary when --user-dict is given), and answers each question with the entry of
the best phrasing, or "fallback" when no phrasing shares a word with it. Nothing else: no
domain check, no thresholds, no dialogue. Writes one {"q", "id", "score"} line per question.

With --eval, the question files carry "expect" (acceptable ids, or "fallback") and the script
prints hit@1 over in-domain questions as `bujiao eval` counts it (a fallback is a miss), plus how
many off-topic questions it sent to fallback, as JSON on stdout.
"""

import argparse
import json
import sys

import bm25s
import jieba


def tokens(text):
    return [t for t in jieba.cut_for_search(text.lower()) if t.strip()]


def load_phrasings(export_path):
    ids, docs = [], []
    with open(export_path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] not in ("faq", "article"):
                continue
            for q in [rec["title"]] + rec["questions"]:
                ids.append(rec["id"])
                docs.append(tokens(q))
    return ids, docs


def load_questions(paths):
    seen, out = set(), []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                q = rec.get("q") or rec.get("text")
                if q and q not in seen:
                    seen.add(q)
                    out.append((q, rec.get("expect")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("questions", nargs="+")
    ap.add_argument("--user-dict")
    ap.add_argument("--eval", action="store_true")
    a = ap.parse_args()

    jieba.setLogLevel(60)
    if a.user_dict:
        jieba.load_userdict(a.user_dict)
    ids, docs = load_phrasings(a.export)
    vocab = {}
    corpus = [[vocab.setdefault(t, len(vocab)) for t in d] for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(ids=corpus, vocab=vocab), show_progress=False)

    questions = load_questions(a.questions)
    hits = n_in = off_right = n_off = 0
    out = sys.stdout
    for q, expect in questions:
        qt = [vocab[t] for t in tokens(q) if t in vocab]
        if qt:
            scores = retriever.get_scores(qt)
            best = int(scores.argmax())
            score = float(scores[best])
        else:
            best, score = -1, 0.0
        got = ids[best] if score > 0 else "fallback"
        if not a.eval:
            out.write(json.dumps({"q": q, "id": got, "score": round(score, 4)}, ensure_ascii=False) + "\n")
            continue
        if expect == ["fallback"]:
            n_off += 1
            off_right += got == "fallback"
        else:
            n_in += 1
            hits += got in expect
    if a.eval:
        print(json.dumps({
            "in_domain": n_in,
            "hit_at_1": round(hits / n_in, 4) if n_in else 0.0,
            "off_topic": n_off,
            "off_topic_to_fallback": off_right,
        }))


if __name__ == "__main__":
    main()
