"""``evo-cosearch select RUN``: choose a design (filters + a rule), print it, optionally export it."""

from __future__ import annotations

import json
import sys

from evo_cosearch.errors import InputError

RULES = ("knee", "weights", "reward", "score")


def register(sub) -> None:
    p = sub.add_parser("select", help="choose a design of a run by knee, weights, reward or score; export it")
    p.add_argument("run", metavar="RUN", help="run directory")
    f = p.add_argument_group("filters")
    f.add_argument("--max-latency-ms", type=float)
    f.add_argument("--max-energy-uj", type=float)
    f.add_argument("--max-area-mm2", type=float)
    f.add_argument("--min-accuracy", type=float, help="fraction in [0, 1]")
    r = p.add_argument_group("rule")
    r.add_argument("--by", nargs="+", default=["knee"], metavar="RULE",
                   help="knee | weights W1,W2,.. (one per objective) | reward | score (default: knee)")
    r.add_argument("--epsilon", default="0.125",
                   help="knee: neighbourhood radius on the normalised front, or 'all' (default 0.125)")
    r.add_argument("--min-neighbours", type=int, help="knee: at least this many nearest neighbours (default 2M)")
    r.add_argument("--weights-method", choices=("pseudo", "asf"), default="pseudo",
                   help="weights: pymoo pseudo-weights or achievement scalarizing function")
    r.add_argument("--target-latency-ms", type=float, help="reward: latency target (default: max_latency_ms)")
    r.add_argument("--target-area-mm2", type=float, help="reward: area target (default: max_area_mm2)")
    r.add_argument("--reward-mode", choices=("soft", "hard"), default="soft",
                   help="reward: soft p=q=-0.071, hard p=0 q=-1")
    r.add_argument("--reference-id", type=int,
                   help="score: reference design id (default: the most accurate feasible design)")
    r.add_argument("--score-p-cheaper", type=float, default=8.0, help="score: %% accuracy for r-fold less energy")
    r.add_argument("--score-r-cheaper", type=float, default=2.0)
    r.add_argument("--score-p-costlier", type=float, default=2.0, help="score: %% accuracy for r-fold more energy")
    r.add_argument("--score-r-costlier", type=float, default=3.0)
    r.add_argument("--score-stress", type=float, default=1.0, help="score: scales the reference energy")
    o = p.add_argument_group("output")
    o.add_argument("--top", type=int, default=5, help="runners-up to list (default 5)")
    o.add_argument("--format", choices=("table", "json"), default="table")
    o.add_argument("--export", metavar="DIR", help="write design.json, scalesim.cfg and topology.csv into DIR")
    o.add_argument("--dataflow", choices=("ws", "os", "is"), default="ws", help="SCALE-Sim dataflow of the export")
    o.add_argument("--finetune", type=int, metavar="EPOCHS",
                   help="with --export: fine-tune the child from the supernet, test it, save it")
    o.add_argument("--supernet", help="--finetune: supernet checkpoint (default: the one the run's search used, else "
                        "the problem's cached one)")
    o.add_argument("--data", help="--finetune: dataset file (default: the one the run's search read)")
    p.set_defaults(handler=run)


def build_rule(args):
    """The rule object named by ``--by`` and its options."""
    from evo_cosearch.select import Knee, Reward, Score, ScoreParams, Weights

    name, rest = args.by[0], args.by[1:]
    if name not in RULES:
        raise InputError(f"--by: unknown rule {name!r} (known: {', '.join(RULES)})")
    if name != "weights" and rest:
        raise InputError(f"--by {name}: takes no values, got {' '.join(rest)!r}")
    if name == "knee":
        eps = None if args.epsilon == "all" else _float("--epsilon", args.epsilon)
        return Knee(epsilon=eps, min_neighbours=args.min_neighbours)
    if name == "weights":
        parts = [t for token in rest for t in token.split(",") if t.strip()]
        if not parts:
            raise InputError("--by weights: give one weight per objective, e.g. --by weights 0.5,0.3,0.2")
        return Weights(tuple(_float("--by weights", t) for t in parts), method=args.weights_method)
    if name == "reward":
        return Reward(args.target_latency_ms, args.target_area_mm2, args.reward_mode)
    return Score(ScoreParams(args.score_p_cheaper, args.score_r_cheaper, args.score_p_costlier,
                             args.score_r_costlier, args.score_stress), reference_id=args.reference_id)


def _float(flag: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{flag}: {text!r} is not a number") from None


def run(args) -> int:
    from evo_cosearch.archive import open_archive
    from evo_cosearch.select import Bounds, NoMatch, design_record, export_design, select_design

    if args.finetune is not None and not args.export:
        raise InputError("--finetune: needs --export DIR (where the fine-tuned child is saved)")
    if args.finetune is not None and args.finetune < 1:
        raise InputError(f"--finetune: {args.finetune} epochs must be >= 1")
    bounds = Bounds(args.max_latency_ms, args.max_energy_uj, args.max_area_mm2, args.min_accuracy)
    rule = build_rule(args)
    with open_archive(args.run) as arc:
        try:
            sel = select_design(arc.designs(), rule, bounds=bounds, top=args.top, constraints=arc.meta.constraints)
        except NoMatch as exc:
            print(f"no match: {exc}", file=sys.stderr)
            return 1
        if args.format == "json":
            record = design_record(arc, sel.ranked, 0)
            record["selection"] = {
                "rule": sel.rule, "score": float(sel.scores[0]), "n_candidates": sel.n_candidates,
                "runners_up": [{"id": int(sel.ranked.id[k]), "score": float(sel.scores[k])}
                               for k in range(1, len(sel.ranked))],
            }
            print(json.dumps(record, indent=2))
        else:
            print(format_table(sel))
        if args.export:
            done = export_design(arc, sel.chosen_id, args.export, dataflow=args.dataflow,
                                 finetune_epochs=args.finetune, supernet=args.supernet, data=args.data,
                                 progress=args.format == "table")
            stream = sys.stderr if args.format == "json" else sys.stdout
            print(f"exported design {sel.chosen_id}:", file=stream)
            for path in done.paths:
                print(f"  {path}", file=stream)
            if done.child:
                report = json.loads(done.child[-1].read_text())
                n = report["epochs"]
                print(f"fine-tuned {n} epoch{'s' * (n != 1)}: test accuracy {100 * report['test_accuracy']:.2f} %",
                      file=stream)
                if report.get("onnx_error"):
                    print(f"child.onnx not written: {report['onnx_error']}", file=stream)
    return 0


def format_table(sel) -> str:
    """The chosen design and its runners-up, one row each."""
    t = sel.ranked
    head = f"{'rank':>4}  {'id':>6}  {'gen':>4}  {'acc %':>6}  {'latency ms':>11}  {'energy µJ':>10}  " \
           f"{'area mm²':>9}  {'score':>9}"
    lines = [f"{sel.rule}: chose design {sel.chosen_id} of {sel.n_candidates} candidates", head]
    m = t.metrics
    for k in range(len(t)):
        lines.append(f"{k + 1:>4}{'*' if k == 0 else ' '} {int(t.id[k]):>6}  {int(t.generation[k]):>4}  "
                     f"{100 * m['accuracy'][k]:>6.2f}  {m['latency_ms'][k]:>11.4g}  {m['energy_uj'][k]:>10.4g}  "
                     f"{m['area_mm2'][k]:>9.4g}  {sel.scores[k]:>9.4g}")
    return "\n".join(lines)
