"""``evo-cosearch select RUN``: choose a design (filters + a rule), print it, optionally export it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evo_cosearch.errors import InputError, flag


def register(sub) -> None:
    p = sub.add_parser("select", help="choose a design of a run by knee, weights, reward or score; export it")
    p.add_argument("run", metavar="RUN", nargs="?", help="run directory")
    f = p.add_argument_group("filters")
    f.add_argument("--max-latency-ms", type=float, help="only designs of at most this latency, ms (> 0)")
    f.add_argument("--max-energy-uj", type=float, help="only designs of at most this energy per inference, µJ (> 0)")
    f.add_argument("--max-area-mm2", type=float, help="only designs of at most this area, mm² (> 0)")
    f.add_argument("--min-accuracy", type=float, help="fraction in [0, 1]")
    r = p.add_argument_group("rule")
    r.add_argument("--by", nargs="+", default=["knee"], metavar=("RULE", "WEIGHTS"),
                   help="knee | weights W1,W2,.. (one per objective) | reward | score (default: knee)")
    r.add_argument("--epsilon",
                   help="knee: neighbourhood radius on the normalised front, or 'all' (default 0.125)")
    r.add_argument("--min-neighbours", type=int, help="knee: at least this many nearest neighbours (default 2M)")
    r.add_argument("--weights-method", choices=("pseudo", "asf"),
                   help="weights: pymoo pseudo-weights or achievement scalarizing function")
    r.add_argument("--target-latency-ms", type=float,
                   help="reward: latency target (default: the run's max_latency_ms constraint)")
    r.add_argument("--target-area-mm2", type=float, help="reward: area target (default: the run's max_area_mm2 "
                   "constraint)")
    r.add_argument("--reward-mode", choices=("soft", "hard"),
                   help="reward: soft p=q=-0.071, hard p=0 q=-1")
    r.add_argument("--reference-id", type=int,
                   help="score: reference design id (default: the most accurate feasible design of "
                        "the search, not one refine added)")
    r.add_argument("--score-p-cheaper", type=float, help="score: %% accuracy for r-fold less energy (default 8)")
    r.add_argument("--score-r-cheaper", type=float, help="score: default 2")
    r.add_argument("--score-p-costlier", type=float, help="score: %% accuracy for r-fold more energy (default 2)")
    r.add_argument("--score-r-costlier", type=float, help="score: default 3")
    r.add_argument("--score-stress", type=float, help="score: scales the reference energy (default 1)")
    o = p.add_argument_group("output")
    o.add_argument("--top", type=int, default=5, help="runners-up to list (default 5)")
    o.add_argument("--format", choices=("table", "json"), default="table",
                   help="table (default), or JSON: the chosen design's export fields and its selection (rule, "
                        "score, candidates, runners-up)")
    o.add_argument("--export", metavar="DIR", help="write design.json, scalesim.cfg and topology.csv into DIR")
    o.add_argument("--dataflow", choices=("ws", "os", "is"), help="SCALE-Sim dataflow of the export (default ws)")
    o.add_argument("--finetune", type=int, metavar="EPOCHS",
                   help="with --export: fine-tune the child from the supernet, test it, save it")
    o.add_argument("--supernet", help="--finetune: supernet checkpoint (default: the one the run's search used, else "
                        "the problem's cached one)")
    o.add_argument("--data", help="--finetune: dataset file (default: the one the run's search read)")
    o.add_argument("--device", help="--finetune: train on this device, cpu (default), cuda or cuda:N")
    p.set_defaults(handler=run)


#: Options of another option only: given without it, they are an error.
NEEDS = {"supernet": "finetune", "data": "finetune", "device": "finetune", "dataflow": "export"}


def _is_weights(token: str) -> bool:
    try:
        [float(t) for t in token.split(",") if t.strip()]
    except ValueError:
        return False
    return True


def resolve_run(args) -> None:
    """``--by`` takes one or more values, so ``select --by knee RUN`` puts RUN into it: take it back.
    After ``--by weights`` its last value is RUN where it names an existing file or folder (a run
    folder ``7``) or is no number; else it is a weight."""
    if args.run is not None:
        return
    rest = args.by[1:]
    if rest and (args.by[0] != "weights" or Path(rest[-1]).exists() or not _is_weights(rest[-1])):
        args.run = args.by.pop()
    if args.run is None:
        last = rest[-2:] if args.by[0] == "weights" else []  # `--by weights 1,0,0 8`, with no run 8 here
        hint = f"; {last[1]!r} after --by weights is no file or folder here, so it was read as a weight" \
            if len(last) == 2 and "," not in last[1] and not last[0].endswith(",") else ""
        raise InputError(f"select: give the run directory (RUN){hint}")


def check_options(args) -> None:
    """Refuse options that the chosen rule (or a missing companion option) would ignore."""
    from evo_cosearch.select.options import check_rule_options

    check_rule_options(args.by[0], _rule_args(args))
    for dest, owner in NEEDS.items():
        if getattr(args, dest) is not None and getattr(args, owner) is None:
            raise InputError(f"{flag(dest)}: applies with {flag(owner)} only")


def _rule_args(args) -> dict:
    from evo_cosearch.select.options import RULE_OPTIONS

    return {name: getattr(args, name) for name in RULE_OPTIONS}


def run(args) -> int:
    from evo_cosearch.archive import open_archive
    from evo_cosearch.files import writable_path
    from evo_cosearch.select import Bounds, NoMatch, check_export_folder, export_design, select_design
    from evo_cosearch.select.options import rule_from_options, rule_options
    from evo_cosearch.select.report import export_lines, selection_info, selection_record, selection_table

    resolve_run(args)
    rule = rule_from_options(args.by, _rule_args(args))  # an unknown rule is named first
    check_options(args)
    if args.finetune is not None and args.export is None:
        raise InputError("--finetune: needs --export DIR (where the fine-tuned child is saved)")
    if args.finetune is not None and args.finetune < 1:
        raise InputError(f"--finetune: {args.finetune} epochs must be >= 1")
    bounds = Bounds(args.max_latency_ms, args.max_energy_uj, args.max_area_mm2, args.min_accuracy)
    if args.export is not None:
        writable_path(args.export, "export", directory=True)  # before the result is printed
    with open_archive(args.run) as arc:
        designs = arc.require_designs()  # one snapshot for choosing and exporting, while a search may still write
        try:
            sel = select_design(designs, rule, bounds=bounds, top=args.top, constraints=arc.meta.constraints)
        except NoMatch as exc:
            print(f"no match: {exc}", file=sys.stderr)
            return 1
        if args.export:  # checked before the result is printed
            check_export_folder(arc, sel.chosen_id, args.export, designs=designs, finetune=args.finetune is not None,
                                supernet=args.supernet, data=args.data, device=args.device)
        print(json.dumps(selection_record(arc, sel), indent=2) if args.format == "json" else selection_table(sel))
        if args.export:
            chosen = selection_info(sel, args.by, rule_options(args.by[0], _rule_args(args)), bounds)
            done = export_design(arc, sel.chosen_id, args.export, dataflow=args.dataflow or "ws", selection=chosen,
                                 finetune_epochs=args.finetune, supernet=args.supernet, data=args.data,
                                 designs=designs, progress=args.format == "table", device=args.device)
            stream = sys.stderr if args.format == "json" else sys.stdout
            print("\n".join(export_lines(done, sel.chosen_id)), file=stream)
    return 0
