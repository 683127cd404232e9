#!/usr/bin/env python3
"""Derive civiforge's compact reference file from the administrative divisions.

Reads the JSON files of @etalab/decoupage-administratif (shared/data/reference) and writes
server/data/reference.tsv.gz, which the binary embeds and loads at start. Run it again when
a new edition of the divisions comes out; the output is deterministic.

Line kinds (tab-separated, UTF-8):
  V  edition
  R  code  name
  D  code  name  region
  E  siren  name  epci_type  population
  C  insee  name  departement  region  siren  population  postal_codes(,)  epci_siren
  A  old_or_secondary_code  current_insee      (delegated/associated communes, old codes,
                                               municipal arrondissements)
Data: Licence Ouverte (Etalab); see LICENSE-decoupage-administratif.txt.
"""
import gzip
import json
import sys
from pathlib import Path

EDITION = "decoupage-administratif-6.0.0-2026"


def clean(value):
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


def main(source: Path, target: Path) -> None:
    load = lambda name: json.loads((source / name).read_text(encoding="utf-8"))
    communes = load("communes.json")
    epcis = load("epci.json")
    lines = [["V", EDITION]]
    lines += [["R", r["code"], r["nom"]] for r in sorted(load("regions.json"), key=lambda r: r["code"])]
    lines += [
        ["D", d["code"], d["nom"], d["region"]]
        for d in sorted(load("departements.json"), key=lambda d: d["code"])
    ]
    epci_of = {}
    for e in sorted(epcis, key=lambda e: e["code"]):
        lines.append(["E", e["code"], e["nom"], e["type"], e.get("populationTotale")])
        for member in e["membres"]:
            epci_of[member["code"]] = e["code"]
    current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    aliases = {}
    for c in sorted(communes, key=lambda c: (c["code"], c["type"])):
        if c["type"] == "commune-actuelle":
            lines.append([
                "C", c["code"], c["nom"], c.get("departement"), c.get("region"), c.get("siren"),
                c.get("population"), ",".join(c.get("codesPostaux", [])), epci_of.get(c["code"]),
            ])
            for old in c.get("anciensCodes", []):
                if old not in current:
                    aliases[old] = c["code"]
        else:
            parent = c.get("chefLieu") or c.get("commune")
            if c["code"] not in current and parent in current:
                aliases[c["code"]] = parent
    lines += [["A", old, new] for old, new in sorted(aliases.items())]
    text = "".join("\t".join(clean(v) for v in line) + "\n" for line in lines)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.encode("utf-8"))
    print(f"{target}: {len(lines)} lines, {target.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "data" / "reference"
    main(src, root / "server" / "data" / "reference.tsv.gz")
