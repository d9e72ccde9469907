"""Several VCFs of one tumour classified as one sample.

Strelka2 writes a tumour's SNVs and indels to two files (``somatic.snvs.vcf.gz``,
``somatic.indels.vcf.gz``), both naming the tumour ``TUMOR``; a samples-sheet row may list them
together (``vcf`` = ``a;b``), and ``classify --merge-same-sample`` groups command-line files that
report the same sample. Each file is read on its own (its header types its records); what each says
of a sample is then merged before the sample's other inputs (copy-number and fusion files, the BAM)
are added and it is decided, once:

- the files must be on one genome build (else an error naming both);
- calls are pooled and de-duplicated as within one file (a record in both is reported once and
  counted under ``duplicate_of_another_record``); ``dropped`` counts and skipped events add up;
- ``assessed`` is the best evidence any file gives (``yes`` > ``no`` > ``unknown``), with the
  reasons of the file(s) that gave it;
- the input, its SHA-256 and the caller become ``;``-joined lists in file order.
"""

from __future__ import annotations

import os

from ..errors import InputError, shown
from ..rules.load import Rules
from .pipeline import VcfSample, _dedupe, finish_sample, read_vcf
from .result import ClassifyOptions, SampleResult

# Strongest evidence first: measured coverage, then a measured failure, then none.
ASSESSED_RANK = {"yes": 0, "no": 1, "unknown": 2}


def file_key(path: str) -> tuple[int, int] | str:
    """What makes two paths one file (a link or another spelling of the same path is the same file)."""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.normcase(os.path.abspath(path))
    return (st.st_dev, st.st_ino)


def repeated_file(paths: list[str] | tuple[str, ...]) -> tuple[str, str] | None:
    """The first pair of ``paths`` naming the same file, else None."""
    seen: dict[tuple[int, int] | str, str] = {}
    for p in paths:
        key = file_key(p)
        if key in seen:
            return seen[key], p
        seen[key] = p
    return None


def classify_vcfs(paths: list[str] | tuple[str, ...], rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """Classify one tumour's VCFs as one input: each file is read, the samples of the same name are
    merged, then each sample's other inputs are added and it is decided (pipeline.finish_sample)."""
    if not paths:
        raise InputError("no VCF given")
    twice = repeated_file(paths)
    if twice:
        raise InputError(f"{twice[1]}: the same file as {twice[0]}, given twice for one sample; list each "
                         "VCF once")
    rules = rules.for_sample_type(opts.sample_type)
    by_sample: dict[str, list[VcfSample]] = {}
    for path in paths:
        for part in read_vcf(path, rules, opts):
            by_sample.setdefault(part.result.sample, []).append(part)
    first = next(iter(by_sample.values()))[0].result
    for parts in by_sample.values():
        for part in parts:
            r = part.result
            if r.build != first.build:
                raise InputError(
                    f"{r.input}: on {r.build} ({r.build_evidence}), but {first.input} is on {first.build} "
                    f"({first.build_evidence}); one tumour's VCFs must be on the same genome build (check "
                    "the files, or give --build when a header is wrong)")
    return [finish_sample(merge_parts(parts), rules, opts) for parts in by_sample.values()]


def merge_parts(parts: list[VcfSample]) -> VcfSample:
    """What several VCFs say of one sample, as if one file had said it all (see the module notes)."""
    if len(parts) == 1:
        return parts[0]
    results = [p.result for p in parts]
    first = results[0]
    merged = SampleResult(
        sample=first.sample, patient=first.patient, build=first.build,
        build_evidence=_joined(r.build_evidence for r in results),
        caller=_joined((r.caller for r in results), ";"),
        input=";".join(r.input for r in results), input_sha256=";".join(r.input_sha256 for r in results),
        reference=first.reference, rules_checksum=first.rules_checksum,
        # a call from a tumour-only file needs the germline-like care even if another file had a normal
        matched_normal=all(r.matched_normal for r in results),
        records_in_regions=sum(r.records_in_regions for r in results),
    )
    for r in results:
        merged.calls += r.calls
        merged.dropped.update(r.dropped)
        merged.skipped_events += r.skipped_events
        merged.skipped_events_not_listed += r.skipped_events_not_listed
        merged._outside_cds_listed += r._outside_cds_listed
        for kind, genes in r.tested.items():
            merged.tested[kind] = sorted({*merged.tested.get(kind, []), *genes})
    _dedupe(merged)  # an event in two files is one event, its other record counted as a duplicate
    best = min((r.assessed for r in results), key=lambda a: ASSESSED_RANK.get(a, len(ASSESSED_RANK)))
    merged.assessed = best
    merged.assessed_reasons = list(dict.fromkeys(
        reason for r in results if r.assessed == best for reason in r.assessed_reasons))
    return VcfSample(merged, [cn for p in parts for cn in p.copy_numbers], [f for p in parts for f in p.fusions],
                     parts[0].region)


def _joined(values, sep: str = "; ") -> str:
    return sep.join(dict.fromkeys(v for v in values if v))


def describe_group(paths: list[str] | tuple[str, ...]) -> str:
    """How a message names one sample's files: 'a.vcf + b.vcf'."""
    return " + ".join(shown(p, 200, bare=True) for p in paths)
