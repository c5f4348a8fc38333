"""Codes given in parts: assembled, zero-padded, never a part taken for a whole code."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cakupan
from cakupan._flow import read_interviews
from cakupan.config import Config
from cakupan.errors import InputError
from cakupan.normalise import parts, tables, vector
from tests import corpus as c

#: The parts of 3671011001 and of its SLS 0203, sub-SLS 01.
DIGITS = {"kdprov": "36", "kdkab": "71", "kdkec": "011", "kddesa": "001", "kdsls": "0203",
          "kdsubsls": "01"}
#: Names a BPS master file, a SIPW prelist and an ODK form give each part.
NAMES = {
    "kdprov": ("kdprov", "Kode Prov", "KODE_PROVINSI", "grp-wilayah-kdprov"),
    "kdkab": ("kdkab", "Kode Kab", "kode_kabupaten", "grp-wilayah-kdkab"),
    "kdkec": ("kdkec", "Kode Kec", "KODE_KECAMATAN", "grp-wilayah-kdkec"),
    "kddesa": ("kddesa", "Kode Desa", "kode_kel", "kdkel", "grp-wilayah-kddesa"),
    "kdsls": ("kdsls", "Kode SLS", "grp-wilayah-kdsls"),
    "kdsubsls": ("kdsubsls", "Kode SubSLS"),
}
#: How a spreadsheet may have kept a part: as text, unpadded text, a number, a float.
TYPES = (str, lambda v: str(int(v)), int, lambda v: float(int(v)))


@st.composite
def files(draw):
    present = draw(st.lists(st.sampled_from(list(DIGITS)), unique=True, min_size=1))
    columns = {part: (draw(st.sampled_from(NAMES[part])), draw(st.sampled_from(TYPES))(
        DIGITS[part])) for part in present}
    order = draw(st.permutations(list(columns.values()) + [("RW", "2"), ("RT", "3"),
                                                           ("muatan", "10")]))
    return present, {name: [value] for name, value in order}


@settings(max_examples=25, deadline=None)
@given(files())
def test_a_part_is_never_a_whole_code(file):
    _assembled_or_one_line_error(*file)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(files())
def test_a_part_is_never_a_whole_code_many_files(file):
    _assembled_or_one_line_error(*file)


def _assembled_or_one_line_error(present, columns):
    """Check that a prelist's codes are the right ones, or that it is one line naming the fix."""
    raw = pd.DataFrame(columns).assign(source_row=[2])
    try:
        out = tables.prelist(raw, {}, path="prelist.csv")
    except InputError as error:
        message = str(error)
        assert "\n" not in message and message.startswith("prelist.csv, column ")
        assert "[prelist] " in message and "are missing" in message
        return
    row = out.iloc[0]
    kelurahan = "".join(DIGITS[p] for p in ("kdprov", "kdkab", "kdkec", "kddesa"))
    for name, whole in (("kelurahan_code", kelurahan), ("sls_code", kelurahan + "0203")):
        assert pd.isna(row[name]) or row[name].startswith(whole), (name, row[name])
    if {"kdprov", "kdkab", "kdkec", "kddesa"} <= set(present):
        assert row["kelurahan_code"] == kelurahan
        assert row["status"] == "counted"
    if "kdsls" in present and not pd.isna(row["sls_code"]):
        assert row["sls_code"] == kelurahan + "0203" + ("01" if "kdsubsls" in present else "")


def test_parts_typed_as_numbers_are_padded_to_their_width():
    frame = pd.DataFrame({"kdprov": [1], "kdkab": ["1"], "kdkec": [11.0], "kddesa": ["001"],
                          "kdsls": [3.0]})
    source = {"kelurahan_code": "kdprov+kdkab+kdkec+kddesa",
              "sls_code": "kdprov+kdkab+kdkec+kddesa+kdsls"}
    out = parts.with_codes(frame, source)
    assert out[source["kelurahan_code"]].tolist() == ["0101011001"]
    assert out[source["sls_code"]].tolist() == ["01010110010003"]


def test_a_whole_code_wins_over_parts():
    raw = pd.DataFrame({"source_row": [2], "kode_wilayah": ["36.71.01.1001"], "kdprov": ["36"],
                        "kddesa": ["001"], "rw": ["1"], "rt": ["1"], "muatan": ["3"]})
    assert tables.prelist(raw, {})["kelurahan_code"].tolist() == ["3671011001"]


def test_a_column_named_like_a_part_holding_whole_codes_is_no_part():
    raw = pd.DataFrame({"source_row": [2], "kdprov": ["36"], "kdkab": ["71"], "kdkec": ["011"],
                        "kode_desa": ["3671011001"], "rw": ["1"], "rt": ["1"], "muatan": ["3"]})
    assert tables.prelist(raw, {})["kelurahan_code"].tolist() == ["3671011001"]


def test_interviews_read_in_batches_assemble_the_codes(tmp_path):
    path = tmp_path / "wawancara.parquet"
    pd.DataFrame({"id": ["A1"], "lon": [106.605], "lat": [-6.195], "kdprov": [36],
                  "kdkab": [71], "kdkec": [11], "kddesa": [1], "kdsls": [203]}).to_parquet(path)
    frame = read_interviews(path, Config()).frame
    # kdsls numbers the SLS in its desa, it is not RW 02 + RT 03: without an SLS layer or
    # RW and RT columns, the SLS is a unit of its own (RW 000, RT its kdsls)
    assert frame[["kelurahan_code", "sls_code", "rw", "rt"]].values.tolist() == [
        ["3671011001", "36710110010203", "000", "0203"]]


def test_a_kode_desa_alone_in_interviews_read_in_batches_is_an_error(tmp_path):
    path = tmp_path / "wawancara.parquet"
    pd.DataFrame({"id": ["A1"], "lon": [106.605], "lat": [-6.195], "kode_desa": ["001"]}
                 ).to_parquet(path)
    with pytest.raises(InputError, match=r"kdprov, kdkab, kdkec are missing.*\[interviews\]"):
        read_interviews(path, Config())


def test_validate_names_the_rule(tmp_path):
    prelist = tmp_path / "prelist.csv"
    prelist.write_text("Kode Prov,Kode Kab,Kode Kec,Kode Desa,RW,RT,muatan\n"
                       "36,71,011,001,001,001,10\n")
    table = cakupan.validate(c.write_boundaries(tmp_path), prelist=prelist)
    row = table.set_index("input").loc["prelist"]
    assert "kelurahan_code <- Kode Prov+Kode Kab+Kode Kec+Kode Desa" in row["columns"]
    assert row["rows_usable"] == 1


def test_boundaries_in_parts_give_kelurahan_and_kecamatan_codes():
    frame = c.kelurahan().drop(columns=["kode", "nama"]).assign(
        kdprov="36", kdkab="71", kdkec=["011", "011"], kddesa=[1, 2],
        nmdesa=["Satu", "Dua"], nmkec="Kecamatan")
    out = vector.boundaries(frame.assign(source_row=[1, 2]), {})
    assert out[["kelurahan_code", "kecamatan_code", "kelurahan_name"]].values.tolist() == [
        ["3671011001", "3671011", "Satu"], ["3671011002", "3671011", "Dua"]]


#: Whole SLS codes a BPS layer or form may carry, and their names.
WHOLE = {"idsls": ("36710110010203", ("idsls", "IDSLS", "id_sls", "grp-wilayah-idsls")),
         "idsubsls": ("3671011001020301", ("idsubsls", "IDSUBSLS", "grp-wilayah-idsubsls"))}
#: What an SLS may state of its RW and RT: columns (as Jakarta's ``rw_dki``) or its name.
#: RW 7 and RT 4 share no digits with ``kdsls`` 0203, so a misread shows.
STATED = {"rw": (("rw", "RW", "rw_dki"), "7"), "rt": (("rt", "RT", "no_rt"), "4"),
          "nmsls": (("nmsls", "NMSLS", "nama_sls"), "RT 004 RW 007 DUSUN SINAM")}


@st.composite
def sls_files(draw):
    """An SLS layer's attributes: some parts, whole codes and RW/RT sources, any names/order."""
    present = draw(st.lists(st.sampled_from([*DIGITS, *WHOLE]), unique=True, min_size=1))
    stated = draw(st.lists(st.sampled_from(list(STATED)), unique=True))
    columns = {}
    for part in present:
        if part in WHOLE:
            value, names = WHOLE[part]
            columns[part] = (draw(st.sampled_from(names)), draw(st.sampled_from(TYPES[:1]))(
                value))
        else:
            columns[part] = (draw(st.sampled_from(NAMES[part])), draw(st.sampled_from(TYPES))(
                DIGITS[part]))
    for name in stated:
        columns[name] = (draw(st.sampled_from(STATED[name][0])), STATED[name][1])
    order = draw(st.permutations(list(columns.values())))
    return present, stated, {name: [value] for name, value in order}


def test_sls_column_names_are_recognised():
    """The names the generative test draws are all read as what they are."""
    from cakupan.normalise.headers import find_columns

    for names in (WHOLE["idsls"][1], STATED["nmsls"][0]):
        found = find_columns(pd.DataFrame(columns=[names[-1]]), cakupan.columns.UNITS, {})
        assert list(found.values()) == [names[-1]]


@settings(max_examples=25, deadline=None)
@given(sls_files())
def test_an_sls_part_is_never_a_whole_code_nor_rw_and_rt(file):
    _sls_or_one_line_error(*file)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(sls_files())
def test_an_sls_part_is_never_a_whole_code_nor_rw_and_rt_many_files(file):
    _sls_or_one_line_error(*file)


def _sls_or_one_line_error(present, stated, columns):
    """Check an SLS layer's unit: whole codes only, RW and RT as stated or the SLS's own."""
    import geopandas as gpd
    from shapely.geometry import box

    raw = gpd.GeoDataFrame(pd.DataFrame(columns).assign(source_row=[1]),
                           geometry=[box(106.60, -6.20, 106.61, -6.19)], crs="EPSG:4326")
    try:
        row = vector.units(raw, {}, path="sls.gpkg").iloc[0]
    except InputError as error:
        message = str(error)
        assert "\n" not in message and message.startswith("sls.gpkg")
        assert "[units] " in message
        return
    kelurahan = "3671011001"
    assert pd.isna(row["kelurahan_code"]) or row["kelurahan_code"] == kelurahan
    assert pd.isna(row["sls_code"]) or row["sls_code"].startswith(kelurahan + "0203")
    if {"kdprov", "kdkab", "kdkec", "kddesa"} <= set(present) or set(WHOLE) & set(present):
        assert row["kelurahan_code"] == kelurahan
    _rw_rt_as_stated(row, stated)
    # the same columns in an interview file: the SLS name is not read there
    frame = pd.DataFrame(columns).assign(source_row=[2], lon=["106.605"], lat=["-6.195"])
    try:
        row = tables.interviews(frame, {}, path="wawancara.csv").iloc[0]
    except InputError as error:
        assert "\n" not in str(error) and "[interviews] " in str(error)
        return
    assert pd.isna(row["kelurahan_code"]) or row["kelurahan_code"] == kelurahan
    assert pd.isna(row["sls_code"]) or row["sls_code"].startswith(kelurahan + "0203")
    _rw_rt_as_stated(row, [name for name in stated if name != "nmsls"])


def _rw_rt_as_stated(row, stated):
    """Check RW and RT: as the columns or name state them, else the SLS's own (never 002/003)."""
    if "rt" in stated or "nmsls" in stated:
        rw = "007" if "rw" in stated or "nmsls" in stated else "000"
        assert (row["rw"], row["rt"]) == (rw, "004"), (row["rw"], row["rt"])
    elif not pd.isna(row["sls_code"]):  # a unit of its own: never RW 002, RT 003
        rw = "007" if "rw" in stated else "000"
        assert (row["rw"], row["rt"]) == (rw, "0203"), (row["rw"], row["rt"])
    assert (row["rw"], row["rt"]) != ("002", "003")
