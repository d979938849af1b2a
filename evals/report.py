"""The evaluation report: ``report.md`` and ``report.html`` (same content) with plots, from a run folder.

    write_report("reports/synth-v1", meta)   # meta: command, suite, methods, limit, notes, ...

Sections: header (the exact command line, suite, sizes, notes), headline tables (LSD and SI-SDR
to the target per op x method), one table per op (method x metric, with status counts), the
overlap split, distribution metrics (FAD on CLAP embeddings, IS, when vectors exist), bar charts,
latency per stage per method, failure reasons, and the before/after spectrograms the run drew.
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from audioedit.audio import write_text_atomic

from audioedit.evals import metrics as M

# key, column title, better ("low" | "high")
METRICS = [
    ("lsd", "LSD↓", "low"), ("si_sdr_db", "SI-SDR dB↑", "high"), ("clap_score", "CLAP↑", "high"),
    ("clap_span_score", "CLAP span↑", "high"),
    ("kl", "KL↓", "low"), ("span_loudness_err_db", "span loud. err dB↓", "low"),
    ("outside_snr_db", "outside SNR dB↑", "high"), ("outside_lsd", "outside LSD↓", "low"),
    ("duration_ratio_err", "dur. ratio err↓", "low"), ("onset_order_acc", "onset order acc↑", "high"),
]
STAGES = ("analyze_s", "plan_s", "execute_s", "verify_s", "total_s")
METRICS_NOTE = (
    "Metrics: LSD as audioldm_eval (log10 power ratio, n_fft=int(2048·sr/44100), hop=sr/100; `evals/metrics.py`), "
    "SI-SDR (dB), CLAP score (cosine to a caption of the target; \"span\": of the edited span only, widened to 1 s), KL(target ‖ output) of zero-shot CLAP class "
    "posteriors, loudness error in the edited span, preservation outside it (SNR dB, capped at 100 = untouched; "
    "LSD), speed: duration-ratio error, reorder: pairwise onset-order accuracy. Failed edits are scored on the "
    "unchanged input the product returns; skipped ones are not scored.")
OP_ORDER = ("add", "remove", "replace", "reorder", "loudness", "speed", "declarative", "lcr")


def _mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def load_run(out_dir: str | Path) -> tuple[list[dict], list[dict]]:
    """(latest record per item x method, CLAP vector rows) of a run folder."""
    from audioedit.evals.runner import VECTORS, _latest, read_records

    out = Path(out_dir)
    records = _latest(read_records(out))
    vpath = out / VECTORS
    lines = vpath.read_text(encoding="utf-8").splitlines() if vpath.is_file() else []
    return records, [json.loads(x) for x in lines if x.strip()]


def _ops(records: list[dict]) -> list[str]:
    ops = {r["op"] for r in records}
    return [o for o in OP_ORDER if o in ops] + sorted(ops - set(OP_ORDER))


def _methods(records: list[dict], meta: dict) -> list[str]:
    seen = {r["method"] for r in records}
    return [m for m in meta.get("methods", []) if m in seen] + sorted(seen - set(meta.get("methods", [])))


def _cell(records: list[dict], key: str) -> float | None:
    return _mean([r.get("metrics", {}).get(key) for r in records if r.get("metrics")])


def per_op_tables(records: list[dict], methods: list[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    """One (title, header, rows) per op: methods x (n, statuses, metric means)."""
    tables = []
    for op in _ops(records):
        recs = [r for r in records if r["op"] == op]
        keys = [(k, t) for k, t, _ in METRICS if any(r.get("metrics", {}).get(k) is not None for r in recs)]
        header = ["method", "n scored", "ok/partial/failed/skipped"] + [t for _, t in keys]
        rows = []
        for m in methods:
            mr = [r for r in recs if r["method"] == m]
            if not mr:
                continue
            st = Counter(r.get("status") for r in mr)
            counts = "/".join(str(st.get(s, 0)) for s in ("ok", "partial", "failed", "skipped")) + (
                f" (+{st['error']} error)" if st.get("error") else "")
            scored = str(sum(1 for r in mr if r.get("metrics")))
            rows.append([m, scored, counts] + [_fmt(_cell(mr, k)) for k, _ in keys])
        n_items = len({r["item"] for r in recs})
        tables.append((f"{op} ({n_items} items)", header, rows))
    return tables


def _median(records: list[dict], key: str) -> float | None:
    values = [v for r in records if (v := (r.get("metrics") or {}).get(key)) is not None]
    return statistics.median(values) if values else None


def headline_table(records: list[dict], methods: list[str], key: str, cell=None) -> tuple[list[str], list[list[str]]]:
    """ops x methods of one metric (``cell``: the mean over the items each method scored, or another
    statistic), plus 'all'."""
    cell = cell or _cell
    rows = []
    for op in _ops(records) + ["all"]:
        recs = records if op == "all" else [r for r in records if r["op"] == op]
        rows.append([op] + [_fmt(cell([r for r in recs if r["method"] == m], key)) for m in methods])
    return ["op"] + methods, rows


def overlap_table(records: list[dict], methods: list[str]) -> tuple[list[str], list[list[str]]]:
    rows = []
    for op in _ops(records):
        for flag in (False, True):
            recs = [r for r in records if r["op"] == op and bool(r.get("overlap")) == flag]
            if recs:
                n = len({r["item"] for r in recs})
                rows.append([op, "yes" if flag else "no", str(n)] + [
                    f"{_fmt(_cell([r for r in recs if r['method'] == m], 'lsd'))} / "
                    f"{_fmt(_cell([r for r in recs if r['method'] == m], 'si_sdr_db'), 1)}" for m in methods])
    return ["op", "overlap", "items"] + [f"{m} LSD / SI-SDR" for m in methods], rows


def distribution_table(vectors: list[dict], methods: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """FAD (CLAP embeddings, method outputs vs targets of the same items) and IS per method."""
    if not vectors:
        return None
    target = {v["item"]: v for v in vectors if v["method"] == "target"}
    rows = []
    for m in methods:
        vs = [v for v in vectors if v["method"] == m and v["item"] in target and "embedding" in v]
        if len(vs) < 2:
            continue
        fad = M.frechet_distance(np.array([v["embedding"] for v in vs]),
                                 np.array([target[v["item"]]["embedding"] for v in vs]))
        posts = [v["posterior"] for v in vs if "posterior" in v]
        isc = M.inception_score(np.array(posts))[0] if posts else None
        rows.append([m, str(len(vs)), _fmt(fad, 4), _fmt(isc)])
    return ["method", "n", "FAD (CLAP emb.)↓", "IS↑"], rows


def latency_table(records: list[dict], methods: list[str]) -> tuple[list[str], list[list[str]]]:
    rows = []
    for m in methods:
        t = [r["timings_s"] for r in records if r["method"] == m and r.get("timings_s")]
        if not t:
            continue
        cells = []
        for s in STAGES:  # a stage that did not run counts 0
            vals = [x.get(s, 0.0) for x in t]
            cells.append(f"{float(np.mean(vals)):.3f} / {float(np.percentile(vals, 95)):.3f}")
        rows.append([m, str(len(t))] + cells)
    return ["method", "n"] + [f"{s[:-2]} mean / p95 (s)" for s in STAGES], rows


def reasons_table(records: list[dict], methods: list[str], top: int = 3) -> tuple[list[str], list[list[str]]]:
    rows = []
    for m in methods:
        c = Counter((r.get("status"), (r.get("reason") or "")[:140]) for r in records
                    if r["method"] == m and r.get("status") in ("failed", "skipped", "partial", "error"))
        for (status, reason), n in c.most_common(top):
            rows.append([m, status, str(n), reason.replace("|", "/")])
    return ["method", "status", "count", "reason (first 140 chars)"], rows


# --------------------------------------------------------------------------------------------
# plots


def plan_check_table(records: list[dict]) -> tuple[str, list[list[str]]] | None:
    """``(summary line, rows)`` of the plan-vs-reference checks the planned methods recorded, or None."""
    checked = [r for r in records if r.get("plan_check")]
    if not checked:
        return None

    def show(effects: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(effects.items())) or "(nothing)"

    rows = [[r["item"], r["method"], show(r["plan_check"]["reference"]), show(r["plan_check"]["planned"]),
             "yes" if r["plan_check"]["match"] else "**no**"] for r in sorted(checked, key=lambda r: (r["method"], r["item"]))]
    by_method = {}
    for r in checked:
        right, total = by_method.get(r["method"], (0, 0))
        by_method[r["method"]] = (right + bool(r["plan_check"]["match"]), total + 1)
    summary = "; ".join(f"{m}: {right}/{total} plans equal the reference" for m, (right, total) in sorted(by_method.items()))
    return summary, rows


def bar_chart(records: list[dict], methods: list[str], path: Path) -> Path:
    """Grouped bars per op: LSD (left) and SI-SDR (right), one bar per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = _ops(records)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), constrained_layout=True)
    width = 0.8 / max(1, len(methods))
    panels = (("lsd", "LSD to target (lower is better)"), ("si_sdr_db", "SI-SDR to target, dB (higher is better)"))
    for ax, (key, title) in zip(axes, panels):
        for i, m in enumerate(methods):
            vals = [_cell([r for r in records if r["op"] == op and r["method"] == m], key) for op in ops]
            ax.bar(np.arange(len(ops)) + i * width, [np.nan if v is None else v for v in vals], width, label=m)
        ax.set_xticks(np.arange(len(ops)) + width * (len(methods) - 1) / 2, ops)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[1].legend(fontsize=8, ncol=2)
    return _save(fig, path)


def latency_chart(records: list[dict], methods: list[str], path: Path) -> Path:
    """Stacked mean seconds per stage per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2), constrained_layout=True)
    bottom = np.zeros(len(methods))
    for stage in STAGES[:-1]:
        vals = np.array([_mean([r["timings_s"].get(stage, 0.0) for r in records
                                if r["method"] == m and r.get("timings_s")]) or 0.0 for m in methods])
        ax.bar(methods, vals, bottom=bottom, label=stage[:-2])
        bottom += vals
    ax.set_ylabel("mean seconds per item")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from audioedit.evals.runner import shrink_png

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    shrink_png(path, scale=1.0, colors=64)
    return path


# --------------------------------------------------------------------------------------------
# rendering: blocks -> Markdown and HTML


def _blocks(out: Path, meta: dict, records: list[dict], vectors: list[dict]) -> list[tuple]:
    methods = _methods(records, meta)
    items = len({r["item"] for r in records})
    b: list[tuple] = [("h1", f"Evaluation report: {meta.get('suite', '?')}"), ("code", meta.get("command", "?"))]
    facts = [f"suite **{meta.get('suite')}**: {items} items, methods {', '.join(methods)}",
             f"limit: {meta.get('limit') or 'none'} (per op for the synth suites, in total for lcr / sisec); "
             f"ops: {', '.join(meta.get('ops') or []) or 'all'}; stems given: {'yes' if meta.get('stems') else 'no (mixture + annotation)'}",
             f"wall time of the last run: {meta.get('seconds', '?')} s"]
    facts += list(meta.get("notes") or []) + list(meta.get("extra_notes") or [])
    if meta.get("skipped"):
        facts.append(f"suite skipped: {meta['skipped']}")
    b.append(("ul", facts))
    b.append(("p", METRICS_NOTE))
    if not records:
        return b
    for key, title in (("lsd", "Headline: LSD to target (lower is better), mean per op"),
                       ("si_sdr_db", "Headline: SI-SDR to target, dB (higher is better), mean per op")):
        header, rows = headline_table(records, methods, key)
        b += [("h2", title), ("table", header, rows)]
    for key, title in (("si_sdr_db", "Median SI-SDR to target, dB, per op"),
                       ("si_sdri_db", "Median SI-SDR improvement over the input (SI-SDRi), dB, per op")):
        header, rows = headline_table(records, methods, key, cell=_median)
        b += [("h2", title), ("table", header, rows)]
    b += [("img", bar_chart(records, methods, out / "plots" / "metrics_by_op.png").relative_to(out).as_posix(),
           "LSD and SI-SDR per op and method")]
    b.append(("h2", "Per-op tables (method x metric)"))
    for title, header, rows in per_op_tables(records, methods):
        b += [("h3", title), ("table", header, rows)]
    header, rows = overlap_table(records, methods)
    b += [("h2", "Overlapping vs isolated targets (LSD / SI-SDR)"), ("table", header, rows)]
    dist = distribution_table(vectors, methods)
    if dist:
        b += [("h2", "Distribution metrics (CLAP embeddings)"), ("table", *dist)]
    header, rows = latency_table(records, methods)
    b += [("h2", "Latency per stage (seconds per item, this machine)"), ("table", header, rows),
          ("img", latency_chart(records, methods, out / "plots" / "latency.png").relative_to(out).as_posix(),
           "mean seconds per stage")]
    plan_rows = plan_check_table(records)
    if plan_rows:
        b += [("h2", "Plans against the reference (effect on each source)"), ("p", plan_rows[0]),
              ("table", ["item", "method", "reference", "planned", "equal"], plan_rows[1])]
    header, rows = reasons_table(records, methods)
    if rows:
        b += [("h2", "Most frequent failure / skip reasons"), ("table", header, rows)]
    figs = sorted((r["item"], r["method"], r["figure"]) for r in records
                  if r.get("figure") and (out / r["figure"]).is_file())
    if figs:
        b.append(("h2", "Before / after spectrograms (source above, method output below; edited span shaded)"))
        b += [("img", f, f"{item} — {m}") for item, m, f in figs]
    return b


def _md(blocks: list[tuple]) -> str:
    lines = []
    for blk in blocks:
        kind = blk[0]
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + blk[1], ""]
        elif kind == "code":
            lines += ["```", blk[1], "```", ""]
        elif kind == "ul":
            lines += [f"- {x}" for x in blk[1]] + [""]
        elif kind == "p":
            lines += [blk[1], ""]
        elif kind == "table":
            header, rows = blk[1], blk[2]
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(r) + " |" for r in rows] + [""]
        elif kind == "img":
            lines += [f"![{blk[2]}]({blk[1]})", ""]
    return "\n".join(lines)


def _inline(text: str) -> str:
    import re

    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def _html(blocks: list[tuple], title: str) -> str:
    out = ["<!doctype html><html><head><meta charset='utf-8'>", f"<title>{html.escape(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
           "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px}"
           "th{background:#eee}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}img{max-width:100%}</style>",
           "</head><body>"]
    for blk in blocks:
        kind = blk[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(blk[1])}</{kind}>")
        elif kind == "code":
            out.append(f"<pre>{html.escape(blk[1])}</pre>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in blk[1]) + "</ul>")
        elif kind == "p":
            out.append(f"<p>{_inline(blk[1])}</p>")
        elif kind == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in blk[1])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in blk[2])
            out.append(f"<table><tr>{head}</tr>{body}</table>")
        elif kind == "img":
            out.append(f"<figure><img src='{html.escape(blk[1])}' alt='{html.escape(blk[2])}'>"
                       f"<figcaption>{html.escape(blk[2])}</figcaption></figure>")
    return "\n".join(out + ["</body></html>"])


def write_report(out_dir: str | Path, meta: dict) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (and ``plots/``) from the run in ``out_dir``."""
    out = Path(out_dir)
    records, vectors = load_run(out)
    blocks = _blocks(out, meta, records, vectors)
    md = write_text_atomic(out / "report.md", _md(blocks))
    page = write_text_atomic(out / "report.html", _html(blocks, f"audioedit eval: {meta.get('suite', '')}"))
    return md, page


def summary_by_method(records: list[dict]) -> dict[str, dict[str, float | None]]:
    """{method: {metric: mean}} over all scored records (for callers and tests)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        groups[r["method"]].append(r)
    return {m: {k: _cell(rs, k) for k, _, _ in METRICS} for m, rs in groups.items()}
