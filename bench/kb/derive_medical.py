#!/usr/bin/env python3
"""Derives the medical-dialogue evaluation files for `hops kb eval` (Python 3.11, stdlib only).

Source: /work/shared/data/medical-dialogue-ask-title-1000.jsonl (see its README): each row is a
patient's long `question` and the short title (`paraphrase_or_answer`) the patient gave it.

* Knowledge base (`medical-kb.csv`, the import format question,variants,answer,category): the
  short titles. Rows that share the same long question, or whose titles are equal after
  normalisation (width, case, punctuation), are one article: the first title is the standard
  question, the others are its variants, and every such row expects that article.
* Queries (`medical-queries.csv`, query,expected): every distinct long question, expecting its
  article's standard question.
* Hold-out: a deterministic ~20 % of the articles (SHA-256 of the standard question, first byte
  mod 5 == 0) are left out of the knowledge base; their long questions are the unanswerable
  queries (expected empty).
* Also `medical-full-kb.csv` / `medical-full-queries.csv`: every article indexed, every query
  answerable — the setting of the README's reference figure (character-bigram TF-IDF: top-1
  0.556, MRR@10 0.613), for comparison only.

The answers are not copied (they are medical advice and are not matched): the answer column
holds a fixed placeholder. Run from the repository root: python3 bench/kb/derive_medical.py
"""

import csv
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

SOURCE = Path("/work/shared/data/medical-dialogue-ask-title-1000.jsonl")
OUT = Path(__file__).resolve().parent
PLACEHOLDER = "（评测数据：医疗问题请咨询在线医生）"


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]

    # Union-find over rows: same long question or same normalised title → one article.
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_by_key: dict[str, int] = {}
    for i, row in enumerate(rows):
        for key in ("q:" + row["question"].strip(), "t:" + norm(row["paraphrase_or_answer"])):
            if key in first_by_key:
                a, b = find(first_by_key[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first_by_key[key] = i

    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)

    kb_rows, queries, seen_queries = [], [], set()
    full_kb, full_queries = [], []
    held_out = merged = 0
    for root in sorted(groups):
        members = groups[root]
        titles: list[str] = []
        for i in members:
            title = rows[i]["paraphrase_or_answer"].strip()
            if norm(title) not in {norm(t) for t in titles}:
                titles.append(title)
        standard = titles[0]
        merged += len(members) > 1
        hold = hashlib.sha256(standard.encode("utf-8")).digest()[0] % 5 == 0
        held_out += hold
        article = [standard, "|".join(titles[1:]), PLACEHOLDER, rows[members[0]]["department"]]
        full_kb.append(article)
        if not hold:
            kb_rows.append(article)
        for i in members:
            q = rows[i]["question"].strip()
            if q in seen_queries:
                continue
            seen_queries.add(q)
            queries.append([q, "" if hold else standard])
            full_queries.append([q, standard])

    for name, header, data in [
        ("medical-kb.csv", ["question", "variants", "answer", "category"], kb_rows),
        ("medical-queries.csv", ["query", "expected"], queries),
        ("medical-full-kb.csv", ["question", "variants", "answer", "category"], full_kb),
        ("medical-full-queries.csv", ["query", "expected"], full_queries),
    ]:
        with open(OUT / name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(data)
    answerable = sum(1 for _, e in queries if e)
    print(
        f"{len(rows)} rows → {len(groups)} articles ({merged} merged from several rows), "
        f"{held_out} held out; medical-kb.csv {len(kb_rows)} articles; medical-queries.csv "
        f"{answerable} answerable + {len(queries) - answerable} unanswerable"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
