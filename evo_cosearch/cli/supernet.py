"""``evo-cosearch train-supernet | evaluate | train-child``: the supernet from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from evo_cosearch.cli import problem_help
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import seed_error

__all__ = ["register"]


def _seed(text: str) -> int:
    """An argparse type: a seed for torch's and numpy's generators (:func:`~evo_cosearch.supernet.check_seed`'s)."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if (wrong := seed_error(seed)) is not None:
        raise argparse.ArgumentTypeError(f"{seed} {wrong}")
    return seed


def _threads(text: str) -> int:
    """An argparse type: a torch thread count."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 1")
    return int(text)


def register(sub) -> None:
    p = sub.add_parser("train-supernet", help="train (or resume) a problem's weight-sharing supernet")
    p.add_argument("--problem", required=True, help=problem_help())
    p.add_argument("--epochs", type=int, default=None, help="override supernet.epochs")
    p.add_argument("--data", default=None, help="dataset path (overrides dataset.path)")
    p.add_argument("--out", default=None,
                   help="checkpoint path, written after every epoch: a killed run resumes from it, and one of "
                        "another configuration is refused (default: cached under results/supernets)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="training seed, 0 to 2**63 - 1 (default 0: the one a search uses)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch lines")
    p.set_defaults(handler=run_train_supernet)

    e = sub.add_parser("evaluate", help="supernet-inherited accuracy, MACs and params of one genome")
    e.add_argument("--problem", required=True, help=problem_help())
    e.add_argument("--supernet", required=True, help="supernet checkpoint")
    e.add_argument("--genome", required=True, help="comma-separated gene indices, or an exported design.json")
    e.add_argument("--data", default=None, help="dataset path (overrides dataset.path)")
    e.add_argument("--seed", type=_seed, default=None,
                   help="seed of the recalibration images, 0 to 2**63 - 1 (default: the one the run of a "
                        "design.json used, else 0: the one a search uses)")
    e.add_argument("--threads", type=_threads, default=None,
                   help="torch threads to evaluate on (default: the count the run of a design.json scored it "
                        "on, else OMP_NUM_THREADS or at most 2); another count moves a few validation images")
    e.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: {accuracy (validation, in [0, 1]), macs, params}")
    e.set_defaults(handler=run_evaluate)

    c = sub.add_parser("train-child", help="train one child stand-alone (or fine-tune it from a supernet)")
    c.add_argument("--problem", required=True, help=problem_help())
    c.add_argument("--genome", required=True, help="comma-separated gene indices, or an exported design.json")
    c.add_argument("--epochs", type=int, required=True, help="training epochs (0: evaluate as it starts)")
    c.add_argument("--from-supernet", default=None, metavar="CKPT", help="start from the supernet's weights")
    c.add_argument("--data", default=None, help="dataset path (overrides dataset.path)")
    c.add_argument("--out", default=None,
                   help="save the trained child here (state_dict, architecture JSON and the input's "
                        "mean and std: it reads (pixel - mean) / std); an existing file must be a saved child "
                        "of the same network. As an export's child.pt (select --export --finetune) it replaces the "
                        "fine-tuned child: that one's finetune.json and child.onnx are removed")
    c.add_argument("--lr", type=float, default=0.05, help="peak learning rate of the cosine schedule (default 0.05)")
    c.add_argument("--seed", type=_seed, default=0, help="training seed, 0 to 2**63 - 1 (default 0)")
    c.add_argument("--device", default="cpu", help="train on this device: cpu (default), cuda or cuda:N")
    c.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: {test_accuracy, val_accuracy (in [0, 1]), epochs}")
    c.set_defaults(handler=run_train_child)


def run_train_supernet(args) -> int:
    from evo_cosearch.supernet import ensure_supernet, train_problem_supernet

    problem = load_problem(args.problem).with_data(args.data, strict=True)
    if args.out is None:  # either refuses --epochs below 1 (SupernetConfig)
        path = ensure_supernet(problem, epochs=args.epochs, progress=not args.quiet, seed=args.seed)
    else:
        path = train_problem_supernet(problem, args.out, epochs=args.epochs, seed=args.seed,
                                      progress=not args.quiet).path
    print(f"supernet checkpoint: {path}")
    return 0


def run_evaluate(args) -> int:
    from evo_cosearch.select.evaluation import evaluate_design, evaluated_design_line

    problem = load_problem(args.problem).with_data(args.data, strict=True)
    done = evaluate_design(problem, args.genome, supernet=args.supernet, seed=args.seed, threads=args.threads)
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    print(json.dumps(done.report()) if args.format == "json" else evaluated_design_line(done))
    return 0


def run_train_child(args) -> int:
    from evo_cosearch.select.child import train_design_child, trained_child_line

    problem = load_problem(args.problem).with_data(args.data, strict=True)
    done = train_design_child(problem, args.genome, epochs=args.epochs, supernet=args.from_supernet, out=args.out,
                              lr=args.lr, seed=args.seed, progress=args.format != "json", device=args.device)
    if done.removed:
        print(f"removed {', '.join(map(str, done.removed))}: they described the child {done.out} replaced",
              file=sys.stderr)
    print(json.dumps(done.report()) if args.format == "json" else trained_child_line(done))
    return 0
