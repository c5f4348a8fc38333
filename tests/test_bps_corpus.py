"""Files shaped as BPS keeps them give the RT-level counts of the same data in canonical files.

Every case writes BPS-shaped files (:mod:`tests.corpus.bps`: SLS layers as Shapefile and
GeoPackage, interviews with only ``idsls`` or ``idsubsls``, SIPW master exports, a prelist
with code parts, title rows and a total row, in Excel and as CSV) and the same data as
canonical files, runs both, and compares the counted and expected households per SLS (RT
keys mapped to the SLS they belong to, :func:`tests.corpus.bps.key_to_sls`), and both with
the known truth. A case with ``error`` must exit 2 with one line naming a setting; with
``fix`` set, it must then give the same counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.config import load_config
from tests import corpus as c
from tests.conftest import cakupan
from tests.corpus import bps as b


@dataclass
class Case:
    """Files in BPS shapes: ``build(folder)`` returns ``units``, ``interviews``, ``prelist``."""

    id: str
    build: Callable[[Path], dict]
    count: str = "ruta"
    layer: bool = True
    error: tuple[str, ...] = ()
    fix: str = ""
    quick: bool = False
    extra: dict = field(default_factory=dict)


def _files(units=None, code="idsubsls", prelist=None):
    def build(d):
        files = {"interviews": b.interviews(d, code)}
        if units is not None:
            files["units"] = units(d)
        files["prelist"] = (prelist or b.sipw_csv)(d)
        return files
    return build


CASES = [
    Case("sls-layer-shapefile", _files(lambda d: b.sls_layer(d, "sls.shp")), quick=True),
    Case("sls-layer-geopackage", _files(lambda d: b.sls_layer(d, "sls.gpkg"))),
    Case("interviews-idsls-only", _files(b.sls_layer, code="idsls")),
    Case("layer-of-sub-sls-codes-interviews-idsls",
         _files(lambda d: b.sls_layer(d, codes=("idsubsls",)), code="idsls")),
    Case("layer-of-sls-codes-interviews-idsubsls",
         _files(lambda d: b.sls_layer(d, codes=("idsls",)))),
    Case("layer-codes-in-parts-only", _files(lambda d: b.sls_layer(d, codes=()))),
    Case("jakarta-rw-dki-columns", _files(lambda d: b.sls_layer(d, rw_dki=True))),
    Case("sipw-export-muatan-without-ruta",
         _files(b.sls_layer, prelist=lambda d: b.sipw_csv(d, ("kk", "btt", "usaha", "muatan"))),
         count="muatan"),
    Case("sipw-export-kk-only",
         _files(b.sls_layer, prelist=lambda d: b.sipw_csv(d, ("kk", "btt"))), count="kk",
         error=("master_sls.csv", "kk", '[prelist] expected_households = "kk"'),
         fix='[prelist]\nexpected_households = "kk"\n'),
    Case("prelist-parts-title-rows-total-row",
         _files(b.sls_layer, prelist=b.prelist_with_title_and_total), quick=True),
    Case("prelist-csv-title-rows-total-row",
         _files(b.sls_layer, prelist=b.prelist_csv_with_title_and_total), quick=True),
    Case("no-layer-interviews-idsubsls-sipw-export", _files(), layer=False, quick=True),
    Case("no-layer-interviews-idsls-sipw-export", _files(code="idsls"), layer=False),
]


def per_sls(result, keys: dict) -> pd.DataFrame:
    """Return counted and expected households per idsls from a run's RT rows."""
    rt = result.coverage[result.coverage["level"].eq("rt")]
    key = list(zip(rt["kelurahan_code"], rt["rw"].astype(int), rt["rt"].astype(int),
                   strict=True))
    unknown = [k for k in key if k not in keys]
    assert not unknown, unknown
    frame = pd.DataFrame({"idsls": [keys[k] for k in key],
                          "counted": rt["counted_households"].to_numpy(),
                          "expected": rt["expected_households"].fillna(0).to_numpy()})
    return frame.groupby("idsls").sum().sort_index()


def _run(files: dict, config) -> object:
    inputs = Inputs(boundaries=files["boundaries"], interviews=files["interviews"],
                    units=files.get("units"), prelist=files.get("prelist"))
    return one_pass(read_files(inputs, config), config)


def truth(count: str) -> pd.DataFrame:
    """Return the households interviewed and expected (``count``) per idsls."""
    expected = b.sipw((count,)).assign(idsls=lambda f: f["idsubsls"].str[:14])
    return pd.DataFrame({
        "counted": b.SLS.set_index("idsls")["interviewed"],
        "expected": expected.groupby("idsls")[count].sum()}).sort_index()


def _check(case: Case, tmp_path: Path, config=None):
    bps_dir, canon_dir = tmp_path / "bps", tmp_path / "canonical"
    bps_dir.mkdir(parents=True, exist_ok=True)
    canon_dir.mkdir(exist_ok=True)
    boundaries = c.write_boundaries(tmp_path)
    files = {"boundaries": boundaries, **case.build(bps_dir)}
    keys, own = b.key_to_sls()
    result = _run(files, config or load_config(None))
    got = per_sls(result, keys if case.layer else own)
    names = result.coverage.loc[result.coverage["level"].eq("rt"), "name"]
    if not case.layer:  # no layer: every SLS is a unit of its own, named as such
        assert names.str.fullmatch(r"SLS \d{4}").all(), names.tolist()
    else:  # the layer's nmsls names every unit
        assert sorted(names) == sorted(b.SLS["nmsls"]) or case.id.startswith("jakarta")
    canon = {"boundaries": boundaries, **b.canonical(canon_dir, case.count)}
    if not case.layer:
        canon.pop("units")
    wanted = per_sls(_run(canon, load_config(None)), keys)
    pd.testing.assert_frame_equal(got, wanted, check_dtype=False)
    pd.testing.assert_frame_equal(got, truth(case.count), check_dtype=False,
                                  check_names=False)


@pytest.mark.parametrize("case", [k for k in CASES if k.quick and not k.error],
                         ids=lambda k: k.id)
def test_bps_shapes_give_the_canonical_counts(case, tmp_path):
    _check(case, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("case", [k for k in CASES if not k.quick and not k.error],
                         ids=lambda k: k.id)
def test_more_bps_shapes_give_the_canonical_counts(case, tmp_path):
    _check(case, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("case", [k for k in CASES if k.error], ids=lambda k: k.id)
def test_bps_shape_needing_a_setting_is_one_line_then_the_counts(case, tmp_path):
    files = {"boundaries": c.write_boundaries(tmp_path), **case.build(tmp_path)}
    args = ["run"]
    for name in ("boundaries", "interviews", "units", "prelist"):
        if name in files:
            args += [f"--{name}", files[name]]
    done = cakupan(*args, "--out", tmp_path / "out")
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for piece in case.error:
        assert piece in lines[0], (piece, lines[0])
    setting = tmp_path / "cakupan.toml"
    setting.write_text(case.fix)
    _check(case, tmp_path / "fixed", load_config(setting))


def test_the_corpus_covers_every_shape():
    ids = {case.id for case in CASES}
    assert len(ids) == len(CASES) >= 12
    assert any("shapefile" in i for i in ids) and any("geopackage" in i for i in ids)


@pytest.mark.slow
def test_demo_in_bps_shapes_gives_the_canonical_counts(tmp_path):
    """``cakupan demo --shape bps``: an SLS layer, a SIPW export and idsubsls-only interviews
    give the same coverage.csv as the canonical files, RT by RT."""
    runs = {}
    for shape in ("canonical", "bps"):
        out = tmp_path / shape
        done = cakupan("demo", "--size", "tiny", "--shape", shape, "--no-html", "--quiet",
                       "--out", out)
        assert done.returncode == 0, done.stderr
        runs[shape] = pd.read_csv(out / "coverage.csv", dtype=str)
    layer = pd.read_csv(tmp_path / "bps" / "input" / "bps" / "interviews.csv", dtype=str)
    assert "idsubsls" in layer and not {"rw", "rt", "kelurahan_code", "sls_code"} & set(layer)
    key = ["level", "kelurahan_code", "rw", "rt"]
    canonical, bps = (runs[s].sort_values(key).reset_index(drop=True) for s in runs)
    rt = canonical["level"].eq("rt")
    assert rt.sum() > 100 and canonical.loc[rt, "counted_households"].astype(int).sum() > 0
    pd.testing.assert_frame_equal(bps, canonical)


def test_validate_names_the_code_rule_and_the_household_column(tmp_path):
    import cakupan as api

    table = api.validate(c.write_boundaries(tmp_path), units=b.sls_layer(tmp_path),
                         interviews=b.interviews(tmp_path), prelist=b.sipw_csv(tmp_path))
    rows = table.set_index("input")
    assert "sls_code <- idsls" in rows.loc["units", "columns"]
    assert "sls_code: BPS rule" in rows.loc["units", "codes"]
    own = (b.SLS["rt"].str.len() == 4).sum()
    assert f"unit of its own (no RT known, RT = kdsls) {own}" in rows.loc["units", "codes"]
    assert "sls_code: BPS rule" in rows.loc["interviews", "codes"]
    assert ("expected_households <- ruta: households (ruta); not counted as households: "
            "kk (families), btt (buildings)") in rows.loc["prelist", "codes"]


def test_validate_warns_of_a_code_column_holding_parts(tmp_path):
    import cakupan as api

    prelist = tmp_path / "prelist.csv"
    prelist.write_text("kode,rw,rt,ruta\n001,1,1,5\n002,1,2,6\n3671011001,1,3,7\n")
    table = api.validate(c.write_boundaries(tmp_path), prelist=prelist)
    codes = table.set_index("input").loc["prelist", "codes"]
    assert ("warning: kode has 2 values of 3 digits, which looks like part of a code "
            "(kdkec or kddesa?), not a whole kelurahan_code") in codes
    done = cakupan("validate", "--boundaries", c.write_boundaries(tmp_path),
                   "--prelist", prelist, "--lang", "en")
    assert "codes: " in done.stdout and "looks like part of a code" in done.stdout


@pytest.mark.slow
def test_bps_codes_against_a_prelist_of_rts_without_a_layer_is_one_line(tmp_path):
    """idsls-only interviews and a prelist by RW and RT, no SLS layer: nothing would meet."""
    canon = b.canonical(tmp_path)
    done = cakupan("run", "--boundaries", c.write_boundaries(tmp_path),
                   "--interviews", b.interviews(tmp_path, "idsls"), "--prelist",
                   canon["prelist"], "--out", tmp_path / "out")
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "--units" in lines[0] and '[interviews] rw = "..."' in lines[0]
    done = cakupan("run", "--boundaries", c.write_boundaries(tmp_path),
                   "--interviews", b.interviews(tmp_path, "idsls"), "--units",
                   b.sls_layer(tmp_path), "--prelist", canon["prelist"], "--out",
                   tmp_path / "out")
    assert done.returncode == 0, done.stderr
