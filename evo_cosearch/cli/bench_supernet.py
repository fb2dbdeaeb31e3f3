"""``evo-cosearch bench supernet-speed | supernet-train | supernet-ranking``: the supernet benchmarks."""

from __future__ import annotations

import json

from evo_cosearch.cli import problem_help
from evo_cosearch.errors import InputError

__all__ = ["register_bench"]


def _problem_and_data(p) -> None:
    from evo_cosearch.bench.defaults import SUPERNET_DATA as DEFAULT_DATA, SUPERNET_PROBLEM as DEFAULT_PROBLEM

    p.add_argument("--problem", default=DEFAULT_PROBLEM, help=problem_help(DEFAULT_PROBLEM))
    p.add_argument("--data", default=None, help=f"dataset file, overriding the problem's dataset.path (default: "
                                                f"{DEFAULT_DATA} for the default problem, the problem's own for "
                                                "another; 'none': the problem's own; ignored for digits)")


def _json(p, name: str) -> None:
    p.add_argument("--json", metavar="PATH", default=None,
                   help=f"JSON result (default results/benchmarks/{name}.json, {name}-<problem name>.json for "
                        "another problem)")


def register_bench(bsub) -> None:
    from evo_cosearch.bench.defaults import SUPERNET_CKPT as DEFAULT_CKPT

    s = bsub.add_parser("supernet-speed", help="child evaluations/s, images/s and GFLOP/s")
    _problem_and_data(s)
    s.add_argument("--supernet", default=None, help="trained checkpoint (default: untrained weights)")
    s.add_argument("--children", type=int, default=8, help="children spread over the MACs range, each timed "
                                                            "cold and warm (default 8)")
    _json(s, "supernet_eval_speed")
    s.set_defaults(handler=_run_speed)

    t = bsub.add_parser("supernet-train", help="supernet seconds/epoch and largest/smallest validation accuracy")
    _problem_and_data(t)
    t.add_argument("--epochs", type=int, default=None, help="training epochs (default: the problem's supernet.epochs)")
    t.add_argument("--max-train-images", type=int, default=None,
                   help="train on a seeded subset of this many images (default: the problem's, else all)")
    t.add_argument("--out", default=None,
                   help=f"checkpoint to write (an unfinished one of the same configuration is resumed; default "
                        f"{DEFAULT_CKPT}, bench_fashion-<problem name>.pt beside it for another problem)")
    _json(t, "supernet_train")
    t.set_defaults(handler=_run_train)

    r = bsub.add_parser("supernet-ranking", help="Kendall tau / Spearman: inherited vs stand-alone accuracy")
    r.add_argument("--supernet", default=None,
                   help="trained checkpoint (without it: only train the stand-alone children into the cache)")
    _problem_and_data(r)
    r.add_argument("--children", type=int, default=24, help="children spread over the MACs range (default 24)")
    r.add_argument("--epochs", type=int, default=2, help="stand-alone training epochs per child")
    r.add_argument("--train-images", type=int, default=None,
                   help="train stand-alone children on a seeded subset of this many images (default: all)")
    r.add_argument("--seeds", type=int, default=1,
                   help="train every stand-alone child with this many seeds (reference: their mean; also "
                        "reports the seed-to-seed tau)")
    r.add_argument("--full-val", action="store_true",
                   help="inherited accuracy on the whole validation split (default: the problem's evaluation size)")
    r.add_argument("--eval-seeds", type=int, default=1,
                   help="also evaluate on the recalibration images of this many evaluation seeds; report each "
                        "one's tau (the headline tau stays seed 0's)")
    r.add_argument("--recal-images", type=int, default=None,
                   help="BatchNorm recalibration images per child (default: the problem's evaluation section)")
    r.add_argument("--jobs", type=int, default=1,
                   help="train the missing stand-alone children in this many processes, one thread each "
                        "(the figures do not depend on it)")
    r.add_argument("--device", default="cpu",
                   help="train the missing stand-alone children on this device: cpu (default), cuda or cuda:N; "
                        "each process then shares that GPU (recorded in each cached training)")
    _json(r, "supernet_ranking")
    r.set_defaults(handler=_run_ranking)


def _positive(value: int | None, flag: str) -> None:
    if value is not None and value < 1:
        raise InputError(f"{flag}: {value} must be >= 1")


def _run_speed(args) -> int:
    from evo_cosearch.bench.supernet import bench_supernet_eval_speed

    _positive(args.children, "--children")
    print(json.dumps(bench_supernet_eval_speed(args.problem, data=args.data, ckpt=args.supernet,
                                               n_children=args.children, json_out=args.json), indent=2))
    return 0


def _run_train(args) -> int:
    from evo_cosearch.bench.supernet import bench_supernet_train

    _positive(args.epochs, "--epochs")
    _positive(args.max_train_images, "--max-train-images")
    print(json.dumps(bench_supernet_train(args.problem, data=args.data, epochs=args.epochs,
                                          max_train_images=args.max_train_images, out=args.out,
                                          json_out=args.json), indent=2))
    return 0


def _run_ranking(args) -> int:
    from evo_cosearch.bench.supernet import bench_supernet_ranking

    _positive(args.children, "--children")
    _positive(args.epochs, "--epochs")
    _positive(args.train_images, "--train-images")
    _positive(args.seeds, "--seeds")
    _positive(args.jobs, "--jobs")
    _positive(args.eval_seeds, "--eval-seeds")
    _positive(args.recal_images, "--recal-images")
    if args.supernet is None:
        for flag, given in (("--eval-seeds", args.eval_seeds != 1), ("--recal-images", args.recal_images),
                            ("--full-val", args.full_val)):
            if given:
                raise InputError(f"{flag}: scores inherited accuracies, so it needs --supernet CKPT")
    print(json.dumps(bench_supernet_ranking(args.supernet, args.problem, data=args.data, n_children=args.children,
                                            epochs=args.epochs, train_images=args.train_images, seeds=args.seeds,
                                            full_val=args.full_val, eval_seeds=args.eval_seeds,
                                            recal_images=args.recal_images, workers=args.jobs,
                                            device=args.device, json_out=args.json), indent=2))
    return 0
