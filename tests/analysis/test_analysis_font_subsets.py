"""The PDF figures' font subsets, kept per process (fontsubset): the PDFs are byte for byte those
matplotlib writes on its own, a kept subset is used again, and matplotlib's functions are left alone
when they are not the ones expected."""

from __future__ import annotations

import io

import pytest

from her2var.analysis import fontsubset
from her2var.analysis.figbase import rc
from her2var.analysis.figstyle import FigureStyle
from her2var.analysis.figures import her2_plot, response_plot

RECORDS = [{"group": "exon 20 insertion", "n": 40, "orr": 0.3, "orr_ci_low": 0.17, "orr_ci_high": 0.46,
            "dcr": 0.6, "dcr_ci_low": 0.43, "dcr_ci_high": 0.75},
           {"group": "point mutation", "n": 12, "orr": 0.25, "orr_ci_low": 0.05, "orr_ci_high": 0.57,
            "dcr": 0.5, "dcr_ci_low": 0.21, "dcr_ci_high": 0.79}]
META = {"CreationDate": None, "Creator": None, "Producer": None, "Title": "t", "Subject": "d"}
STYLE = FigureStyle()


def _figures():
    """Two figures with the same text (the same glyph sets) and one with other text."""
    return [response_plot(RECORDS, style=STYLE, title="Response by HER2 class \u2013 first line", denominator="all"),
            response_plot(RECORDS, style=STYLE, title="Response by HER2 class \u2013 first line", denominator="all"),
            her2_plot({"exon20_insertion": 7, "amplification": 2}, {"KRAS": 1}, 9, style=STYLE,
                      title="HER2 alteration classes", population="Everyone")]


def _pdf(fig, cached: bool) -> bytes:
    buf = io.BytesIO()
    if cached:
        with fontsubset.subset_cache():
            fig.savefig(buf, format="pdf", dpi=STYLE.dpi, metadata=META)
    else:
        fig.savefig(buf, format="pdf", dpi=STYLE.dpi, metadata=META)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """A user cache folder of the test's own (none of the subsets kept by earlier runs)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fontsubset.clear()
    yield tmp_path / "cache" / "her2var" / "font-subsets"
    fontsubset.clear()


@pytest.fixture
def made(monkeypatch) -> list[int]:
    """Counts the subsets matplotlib's own function makes (a wrapper of the same shape)."""
    from matplotlib.backends import _backend_pdf_ps as m

    real = m.get_glyphs_subset
    calls: list[int] = []

    def get_glyphs_subset(fontfile, glyphs):
        calls.append(1)
        return real(fontfile, glyphs)

    monkeypatch.setattr(m, "get_glyphs_subset", get_glyphs_subset)
    fontsubset.clear()
    yield calls
    fontsubset.clear()


def test_pdfs_with_kept_subsets_are_the_pdfs_matplotlib_writes(made: list[int]) -> None:
    with rc(STYLE):
        plain = [_pdf(fig, cached=False) for fig in _figures()]
        n_plain = len(made)
        cached = [_pdf(fig, cached=True) for fig in _figures()]
        n_cached = len(made) - n_plain
        again = [_pdf(fig, cached=True) for fig in _figures()]
    assert cached == plain
    assert again == plain
    assert all(b.startswith(b"%PDF") and b"/FontFile2" in b for b in plain)
    # the second figure's subsets are those of the first, kept; the second round makes none
    assert 0 < n_cached < n_plain
    assert len(made) == n_plain + n_cached


def test_a_subset_made_by_one_worker_is_taken_by_another(made: list[int], tmp_path, monkeypatch) -> None:
    """Through the shared folder (share_in): a process without the subset in memory reads the
    one another wrote, makes none itself, and writes the same PDF; a damaged file is made again."""
    with rc(STYLE):
        plain = [_pdf(fig, cached=False) for fig in _figures()]
        n_plain = len(made)
        monkeypatch.setattr(fontsubset, "_shared", str(tmp_path))
        first = [_pdf(fig, cached=True) for fig in _figures()]
        n_first = len(made) - n_plain
        files = sorted(tmp_path.glob("*.subset"))
        assert n_first > 0 and len(files) == n_first
        fontsubset.clear()  # another worker: nothing in memory, the folder shared
        second = [_pdf(fig, cached=True) for fig in _figures()]
        assert len(made) == n_plain + n_first
        files[0].write_bytes(files[0].read_bytes()[:100])  # cut short
        whole = files[1].read_bytes()
        files[1].write_bytes(whole[:-10] + bytes(10))  # the subset's last bytes damaged
        fontsubset.clear()
        third = [_pdf(fig, cached=True) for fig in _figures()]
        assert len(made) == n_plain + n_first + 2
        assert files[1].read_bytes() == whole  # made again
    assert first == plain and second == plain and third == plain
    assert not list(tmp_path.glob("*.part"))


def test_the_cache_is_bounded(made: list[int], monkeypatch) -> None:
    monkeypatch.setattr(fontsubset, "MAX_SUBSETS", 1)
    with rc(STYLE):
        figs = _figures()
        first = [_pdf(fig, cached=True) for fig in figs]
        assert len(fontsubset._cache) == 1
        assert [_pdf(fig, cached=False) for fig in figs] == first


def test_matplotlibs_functions_are_put_back(made: list[int]) -> None:
    from matplotlib.backends import _backend_pdf_ps as m

    before = (m.get_glyphs_subset, m.font_as_file)
    with pytest.raises(RuntimeError), fontsubset.subset_cache():
        assert m.get_glyphs_subset is not before[0]
        raise RuntimeError("while saving")
    assert (m.get_glyphs_subset, m.font_as_file) == before


def test_nested_and_concurrent_uses_put_matplotlibs_functions_back_once(made: list[int]) -> None:
    import threading

    from matplotlib.backends import _backend_pdf_ps as m

    before = (m.get_glyphs_subset, m.font_as_file)
    with fontsubset.subset_cache():
        inside = m.get_glyphs_subset
        with fontsubset.subset_cache():
            assert m.get_glyphs_subset is inside
        assert m.get_glyphs_subset is inside  # still in use by the outer context
    assert (m.get_glyphs_subset, m.font_as_file) == before

    entered, leave = threading.Barrier(2), threading.Event()

    def user() -> None:
        with fontsubset.subset_cache():
            entered.wait()
            leave.wait()

    t = threading.Thread(target=user)
    t.start()
    with fontsubset.subset_cache():
        entered.wait()
    assert m.get_glyphs_subset is not before[0]  # the thread's context is still open
    leave.set()
    t.join()
    assert (m.get_glyphs_subset, m.font_as_file) == before


def test_other_internals_are_left_to_matplotlib(monkeypatch) -> None:
    """A matplotlib whose subsetting function has another shape subsets as it always does."""
    from matplotlib.backends import _backend_pdf_ps as m

    real = m.get_glyphs_subset
    calls: list[int] = []

    def get_glyphs_subset(fontfile, glyphs, options=None):
        calls.append(1)
        return real(fontfile, glyphs)

    monkeypatch.setattr(m, "get_glyphs_subset", get_glyphs_subset)
    fontsubset.clear()
    with rc(STYLE):
        fig = _figures()[0]
        with fontsubset.subset_cache():
            assert m.get_glyphs_subset is get_glyphs_subset
        plain = _pdf(fig, cached=False)
        n = len(calls)
        assert _pdf(fig, cached=True) == plain
        assert len(calls) == 2 * n  # made again: nothing was kept
    assert not fontsubset._cache


def test_subsets_are_kept_in_the_users_cache_for_the_next_run(made: list[int], own_cache) -> None:
    """A plan edited and run again: the next process makes no subset, and writes the same PDFs."""
    import os
    import stat

    with rc(STYLE):
        plain = [_pdf(fig, cached=False) for fig in _figures()]
        n_plain = len(made)
        first = [_pdf(fig, cached=True) for fig in _figures()]
        n_first = len(made) - n_plain
        assert n_first > 0 and len(list(own_cache.glob("*.subset"))) == n_first
        assert stat.S_IMODE(os.stat(own_cache).st_mode) == 0o700
        fontsubset.clear()  # the next run: nothing in memory
        again = [_pdf(fig, cached=True) for fig in _figures()]
    assert len(made) == n_plain + n_first
    assert first == plain and again == plain


def test_the_users_cache_keeps_the_subsets_used_last(made: list[int], own_cache, monkeypatch) -> None:
    monkeypatch.setattr(fontsubset, "MAX_FILES", 1)
    with rc(STYLE):
        for fig in _figures():
            _pdf(fig, cached=True)
    assert len(list(own_cache.glob("*.subset"))) <= 1
    assert len(made) >= 2


def test_without_a_cache_folder_the_workers_share_a_private_one_removed_after(tmp_path, monkeypatch) -> None:
    import os
    import stat

    from her2var.analysis.workers import FigureWorkers

    with FigureWorkers(2) as workers:
        assert workers.shared is None  # the user's cache folder is shared
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # no folder can be made there
    fontsubset.clear()
    with FigureWorkers(2) as workers:
        folder = workers.shared
        assert folder is not None and stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not os.path.exists(folder)
