"""The study from the command line: `python -m s2i_lib <stage> ...`, each stage with --help.

    python -m s2i_lib data     --dataset birds --profile default           build or check the data set and fbanks
    python -m s2i_lib encoders --dataset birds --profile default           teacher, the four systems' encoders
    python -m s2i_lib gan      --dataset birds --profile default --system tsl
    python -m s2i_lib gan      --profile paper --system tsl classifier text
                                                                           three GANs at once (one GPU)
    python -m s2i_lib runs     --dataset birds --profile default           list the keyed runs that exist
    python -m s2i_lib table2   --dataset birds --profile default --train-seeds 1235 1236
                                                                           Table II's chains of those training
                                                                           seeds trained, measured and written as
                                                                           seed files, then combined (notebook 03
                                                                           without its notebook)
    python -m s2i_lib table4   --dataset birds --profile default --train-seeds 1235 1236
                                                                           Table IV (table5: Table V) likewise:
                                                                           notebook 05's (06's) table without its
                                                                           encoder-level cells and figure
    python -m s2i_lib combine  --dataset birds --profile default           Table II from the committed seeds
    python -m s2i_lib translate my_recording.wav                           your speech through the trained TSL
                                                                           encoder and its GAN (after
                                                                           `make reproduce-table2`)
    torchrun --nproc_per_node 4 -m s2i_lib gan --dataset cub --data-root /data/birds --profile paper

Every stage takes the data seed (--seed) and the training seed (--train-seed); the same request reuses or
resumes the same keyed run as the notebooks (`s2i_lib.pipeline.runs`). Under torchrun the GAN stage trains
data-parallel: each process uses the GPU of its LOCAL_RANK (NCCL), or the CPU (gloo) where there is none; the
global batch stays the profile's (it must divide among the processes).
"""
from __future__ import annotations

import argparse
import os
import sys

from .config import BUILTIN_DATASETS, PROFILES, REAL_DATASETS, TRAIN_SEED
from .pipeline.systems import SYSTEMS
from .pipeline.teacher import OPTIONS as TEACHERS


def seed_arg(text: str) -> int:
    from .data.prepare import check_seed
    try:
        return check_seed(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="birds", choices=BUILTIN_DATASETS + REAL_DATASETS)
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--data-root", default=None, help="a real data set's folder (or where to build a built-in one)")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed (built-in data, subsets)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the data build and fbank cache")


def add_train_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED, help="the training seed")
    add_device_arg(parser)


def add_seed_args(parser: argparse.ArgumentParser, seeds_help: str) -> None:
    """A table's training seeds and device (table2, table4, table5)."""
    parser.add_argument("--train-seeds", type=seed_arg, nargs="+", default=[TRAIN_SEED], help=seeds_help)
    add_device_arg(parser)


def add_device_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")


def default_device(device: str | None) -> str:
    import torch
    return device or ("cuda" if torch.cuda.is_available() else "cpu")


def run_data(args) -> None:
    from .data.prepare import prepare
    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    for split, recs in data.records.items():
        print(f"{split}: {len(recs)} images, {len({r.label for r in recs})} classes, "
              f"{sum(len(r.wavs) for r in recs)} utterances")
    print(f"fbank cache: {data.fbanks.folder} ({len(data.fbanks)} utterances, {len(data.fbanks.failed)} failed)")


def run_encoders(args) -> None:
    from .data.prepare import prepare
    from .pipeline.systems import build_systems
    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    built = build_systems(data, args.train_seed, tuple(args.systems or SYSTEMS), args.teacher,
                          default_device(args.device))
    for system, embeddings in built.items():
        print(f"{system}: embeddings {tuple(embeddings.embeddings['test'].shape)} in {embeddings.run.folder}")


def run_gan(args) -> None:
    if len(args.system) > 1:
        return run_gans_at_once(args)
    import torch
    import torch.distributed as dist

    from .data.prepare import prepare
    from .pipeline.gan import gan_run, train_gan_run
    from .train.parallel import barrier

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available() and args.device != "cpu"
    device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    try:
        if rank > 0:
            barrier()                                # rank 0 builds or checks the data set first
        data = prepare(args.dataset, args.profile, args.data_root, seed=args.seed, workers=args.workers,
                       progress=rank == 0)
        if rank == 0:
            barrier()
        gan = gan_run(data, args.system[0], branches=args.branches, iterations=args.iterations,
                      train_seed=args.train_seed, teacher=args.teacher)
        history = train_gan_run(data, gan, device=device, progress=rank == 0)
        if rank == 0:
            print(f"{history[-1]['iteration']} iterations in {gan.folder}")
    finally:
        if distributed:
            dist.destroy_process_group()


def run_gans_at_once(args) -> None:
    """Several systems' GANs trained at the same time, `--processes` at once (0: all), each process this stage for
    one system, so each GAN stays its own keyed, locked and resumable run: for a GPU with room for more than one
    (issue 26; `benchmarks/gpu_check.py` times two loops at once against one). The data set and the encoders the
    GANs need are made here first, one after another; on the CPU each process gets its share of the cores."""
    from .data.prepare import prepare
    from .pipeline.systems import build_systems

    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    build_systems(data, args.train_seed, tuple(args.system), args.teacher, default_device(args.device))
    shared = ["--dataset", args.dataset, "--profile", args.profile, "--seed", str(args.seed), "--workers",
              str(args.workers), "--train-seed", str(args.train_seed), "--branches", str(args.branches),
              "--iterations", str(args.iterations)]
    for flag, value in (("--data-root", args.data_root), ("--teacher", args.teacher), ("--device", args.device)):
        shared += [flag, value] if value else []
    processes = min(args.processes or len(args.system), len(args.system))
    cpu = default_device(args.device) == "cpu"
    threads = {"OMP_NUM_THREADS": str(max(1, os.cpu_count() // processes))} if cpu else {}
    codes = run_at_once({system: [sys.executable, "-m", "s2i_lib", "gan", *shared, "--system", system]
                         for system in args.system}, processes, {"S2I_PROGRESS": "log", **threads})
    failed = [system for system, code in codes.items() if code]
    if failed:
        sys.exit(f"gan: the GAN of {', '.join(failed)} failed (its lines above, marked [{failed[0]}], say why); the "
                 f"same command resumes every unfinished GAN")


def run_at_once(commands: dict[str, list[str]], processes: int, env: dict[str, str]) -> dict[str, int]:
    """Each named command run as a process, `processes` at a time, with `env` added to this one's environment;
    every line it prints is printed here marked with its name. Returns each command's exit status."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    def run(name: str) -> int:
        with subprocess.Popen(commands[name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, **env}) as child:
            for line in child.stdout:
                print(f"[{name}] {line}", end="", flush=True)
        return child.returncode
    with ThreadPoolExecutor(processes) as pool:
        return dict(zip(commands, pool.map(run, commands)))


def run_runs(args) -> None:
    from .data.prepare import data_artifacts
    from .pipeline.runs import runs_table
    print(runs_table(data_artifacts(args.dataset, args.profile, args.seed)))


def run_table2(args) -> None:
    from .data.prepare import prepare
    from .study import table2
    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    measured = table2(data, train_seeds=args.train_seeds, gan_seeds=args.gan_seeds or (),
                      seed_systems=args.seed_systems or (), systems=args.systems or (), seed=args.seed,
                      device=default_device(args.device))
    write_seeded(measured.table, data.results)


def run_ablation(args) -> None:
    """Table IV or V (the stage's name: `study.table4`, `study.table5`) over `--train-seeds`, then combined."""
    from . import study
    from .data.prepare import prepare
    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    measured = getattr(study, args.stage)(data, train_seeds=args.train_seeds, seed=args.seed,
                                          device=default_device(args.device))
    write_seeded(measured.table, data.results)


def run_combine(args) -> None:
    from .config import results_dir
    from .study import combine_table2
    write_seeded(combine_table2(args.dataset, args.profile), results_dir(args.dataset, args.profile))


def write_seeded(table, results) -> None:
    """Write a table combined over training seeds and say which seeds and files."""
    from .config import shown
    paths = table.write(results)
    print(f"{table.stem} over training seeds {table.details['training seeds']}: {', '.join(shown(p) for p in paths)}")


def run_translate(args) -> None:
    from pathlib import Path

    from .config import REPO_ROOT
    from .data.prepare import data_artifacts, prepare
    from .translate import latest_gan, load_translator, translate
    runs = data_artifacts(args.dataset, args.profile, args.seed) / "runs"
    gan = Path(args.gan_run) if args.gan_run else latest_gan(runs, args.system, args.train_seed)
    built = data_artifacts(args.dataset, args.profile, args.seed) / "data" / "manifest.json"
    here = Path(args.data_root).is_dir() if args.data_root else args.dataset in BUILTIN_DATASETS and built.exists()
    captions = None
    if here:                                 # the training captions, to show what the encoder heard (never built)
        data = prepare(args.dataset, args.profile, args.data_root, args.seed)
        captions = {r.key: r.captions for r in data.records["train"]}
    out = Path(args.out) if args.out else REPO_ROOT / "results" / args.dataset / args.profile / "translations"
    translator = load_translator(gan, default_device(args.device))
    result = translate(args.audio, translator, out, args.images, args.noise_seed, captions)
    print(f"{args.audio}: {result.heard.seconds:.2f} s, through {gan}")
    for warning in result.warnings:
        print(f"  note: {warning}")
    if result.nearest:
        print("nearest training captions (cosine similarity): what the encoder heard")
        for similarity, caption in result.nearest:
            print(f"  {similarity:.3f}  {caption}")
    else:
        print("(no training captions here: the data set is not on this machine)")
    print(f"written: {len(result.paths) - 1} images and a sheet, {result.paths[-1]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m s2i_lib", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    stages = parser.add_subparsers(dest="stage", required=True)
    p = stages.add_parser("data", help="build (built-in) or check (real) the data set and its fbank cache")
    add_data_args(p)
    p.set_defaults(run=run_data)
    p = stages.add_parser("encoders", help="teacher features, then each system's encoder and embeddings")
    add_data_args(p)
    add_train_args(p)
    p.add_argument("--teacher", default=None, choices=TEACHERS, help="default: the profile's")
    p.add_argument("--systems", nargs="*", choices=tuple(SYSTEMS),
                   help="default: all four")
    p.set_defaults(run=run_encoders)
    p = stages.add_parser("gan", help="StackGAN-v2 on a system's embeddings (torchrun for several devices; several "
                                      "systems: their GANs at the same time)")
    add_data_args(p)
    add_train_args(p)
    p.add_argument("--teacher", default=None, choices=TEACHERS, help="default: the profile's")
    p.add_argument("--system", nargs="+", default=["tsl"], choices=tuple(SYSTEMS),
                   help="several: their GANs trained at the same time, each in its own process")
    p.add_argument("--processes", type=int, default=0, help="with several systems: how many at once (0: all)")
    p.add_argument("--branches", type=int, default=0, help="0 = the profile's")
    p.add_argument("--iterations", type=int, default=0, help="0 = the profile's")
    p.set_defaults(run=run_gan)
    p = stages.add_parser("runs", help="list the keyed runs of a data set, profile and seed")
    add_data_args(p)
    p.set_defaults(run=run_runs)
    p = stages.add_parser("table2", help="Table II's chains of some training seeds trained (or reused), measured and "
                                         "written as seed files, then every seed combined")
    add_data_args(p)
    add_seed_args(p, "each seed trains every system's encoder and GAN")
    p.add_argument("--gan-seeds", type=seed_arg, nargs="*", help="more GANs per training seed (their mean counts)")
    p.add_argument("--seed-systems", nargs="*", choices=tuple(SYSTEMS), help="the systems given --gan-seeds")
    p.add_argument("--systems", nargs="*", choices=tuple(SYSTEMS),
                   help="only these systems: a part of each seed, joined to its rows already written (default: all)")
    p.set_defaults(run=run_table2)
    for stage, what in (("table4", "Table IV's loss variants"), ("table5", "Table V's branch counts")):
        p = stages.add_parser(stage, help=f"{what} for some training seeds trained (or reused), measured and written "
                                          "as seed files, then every seed combined")
        add_data_args(p)
        add_seed_args(p, "each seed trains what its rows need (encoders, GANs)")
        p.set_defaults(run=run_ablation)
    p = stages.add_parser("combine", help="Table II from every committed training seed's files (trains nothing)")
    p.add_argument("--dataset", default="birds", choices=BUILTIN_DATASETS + REAL_DATASETS)
    p.add_argument("--profile", default="default", choices=sorted(PROFILES))
    p.set_defaults(run=run_combine)
    p = stages.add_parser("translate", help="a recording -> images, through a trained speech encoder and its GAN")
    p.add_argument("audio", help="an audio file (wav, flac, ogg; any sample rate; mono or stereo)")
    add_data_args(p)
    p.add_argument("--system", default="tsl", choices=("tsl", "classifier"), help="whose encoder and GAN")
    p.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED, help="the GAN's training seed")
    p.add_argument("--gan-run", default=None, help="a GAN run folder (default: the system's latest finished GAN)")
    p.add_argument("--images", type=int, default=8, help="images from different noise")
    p.add_argument("--noise-seed", type=int, default=0)
    p.add_argument("--out", default=None, help="default: results/<dataset>/<profile>/translations/")
    add_device_arg(p)
    p.set_defaults(run=run_translate)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except named_errors() as e:
        if os.environ.get("S2I_DEBUG"):
            raise
        sys.exit(f"{args.stage}: {e}\n(S2I_DEBUG=1 shows where it was raised)")


def named_errors() -> tuple[type[BaseException], ...]:
    """The project's own errors, whose messages name the file and the fix, and a stop on request (which says how
    to resume): printed alone, not under a traceback."""
    from .audio import AudioError
    from .checkpoint import CorruptFileError, DiskFullError, StoppedOnRequest
    from .data.errors import DataFormatError, DataRootError
    from .data.voicing import VoicingError
    from .translate import NoTrainedRunError
    return (AudioError, CorruptFileError, DiskFullError, DataFormatError, DataRootError, NoTrainedRunError,
            VoicingError, StoppedOnRequest)


if __name__ == "__main__":
    main(sys.argv[1:])
