"""The texture benchmark, end to end through the product: train -> calibrate -> evaluate.

For each surface of `cae-stream dataset textures` it trains a model with the given recipe
(train.py flags; none = the default recipe), then calibrates and evaluates it with the Java
scorer once per scoring variant, and writes one JSON row per (surface, variant) plus a markdown
table. Everything is measured by the serving code path, so the numbers are what `serve` does.

    /usr/bin/python3 training/benchmark.py --data /tmp/textures --out /tmp/bench-default
    /usr/bin/python3 training/benchmark.py --data /tmp/textures --out /tmp/bench-classic -- --classic
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAR = ROOT / "target" / "cae-stream.jar"
VARIANTS = [  # (scoring method, per-pixel normalization); the first is calibrate's default
    ("line+contrast", "pixel"), ("line", "pixel"), ("contrast", "pixel"), ("smooth-max", "pixel"),
    ("smooth-max", "none"), ("ssim", "pixel"), ("mse", "none"),
]


def run(cmd, log):
    with open(log, "a") as f:
        f.write("$ " + " ".join(map(str, cmd)) + "\n")
        f.flush()
        subprocess.run([str(c) for c in cmd], check=True, stdout=f, stderr=subprocess.STDOUT)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="output of `dataset textures`")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--surfaces", help="comma-separated (default: every folder of --data)")
    p.add_argument("--variants", default=",".join(f"{m}/{n}" for m, n in VARIANTS))
    p.add_argument("--jar", type=Path, default=JAR,
                   help="cae-stream.jar to run (copy it elsewhere to rebuild while this runs)")
    p.add_argument("--resume", action="store_true",
                   help="keep the models already trained in --out and the reports already written; "
                        "only what is missing is trained or evaluated (e.g. a new --variants entry)")
    p.add_argument("train_args", nargs="*", help="train.py flags after --")
    args = p.parse_args(argv)
    jar = args.jar
    if not jar.exists():
        print(f"{jar} missing: ./mvnw -q -DskipTests package", file=sys.stderr)
        return 2
    surfaces = args.surfaces.split(",") if args.surfaces else sorted(
        d.name for d in args.data.iterdir() if (d / "train" / "good").is_dir())
    variants = [tuple(v.split("/")) for v in args.variants.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for s in surfaces:
        model = args.out / f"{s}.onnx"
        log = args.out / f"{s}.log"
        timing = args.out / f"{s}.seconds"
        reports = {v: args.out / f"{s}.{v[0]}.{v[1]}.json" for v in variants}
        trained = args.resume and model.exists() and timing.exists()
        if not trained:
            log.write_text("")
            t0 = time.perf_counter()
            run([sys.executable, ROOT / "training" / "train.py", "--data", args.data / s, "--out", model,
                 "--name", f"texture-{s}", *args.train_args], log)
            timing.write_text(f"{time.perf_counter() - t0:.1f}")
        seconds = float(timing.read_text())
        for method, norm in variants:
            report = reports[(method, norm)]
            if not (trained and report.exists()):
                run(["java", "-jar", jar, "calibrate", "--model", model, "--data", args.data / s,
                     "--method", method, "--normalize", norm], log)
                run(["java", "-jar", jar, "evaluate", "--model", model, "--data", args.data / s,
                     "--json", report], log)
            r = json.loads(report.read_text())
            row = {"surface": s, "method": method, "normalize": norm, "trainSeconds": round(seconds, 1),
                   "imageAuroc": r["imageAuroc"], "pixelAuroc": r["pixelAuroc"], "aupro": r["aupro"],
                   "f1": r["f1"], "perDefect": r["perDefect"]}
            rows.append(row)
            print(f"{s:14s} {method:10s} {norm:5s} image {r['imageAuroc']:.3f}  pixel "
                  f"{r['pixelAuroc']:.3f}  aupro {r['aupro']:.3f}  f1 {r['f1']:.3f}  ({seconds:.0f}s)",
                  flush=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))
    lines = ["| surface | method | normalize | image AUROC | pixel AUROC | AUPRO | F1 | training |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['surface']} | {r['method']} | {r['normalize']} | {r['imageAuroc']:.3f} | "
                     f"{r['pixelAuroc']:.3f} | {r['aupro']:.3f} | {r['f1']:.3f} | {r['trainSeconds']:.0f} s |")
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
