"""The ``cakupan`` command: a thin layer over the public API, :mod:`cakupan.api`.

Each command parses its options, calls one API function (``run`` and ``demo``:
:func:`cakupan.run`; ``validate``: :func:`cakupan.validate`) and turns cakupan's errors into
one line on stderr with exit status 2, and any other error (a fault in cakupan) into one
line with exit status 3 and its traceback in a log. Heavy imports happen inside the
commands, so ``cakupan --help`` answers at once.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from cakupan.errors import CakupanError

STEPS = ("read", "assign", "check", "measure", "gaps", "write")


class UsageProblem(click.ClickException):
    """An input or setting cakupan cannot use: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None):
        """Print ``cakupan: <message>`` on stderr."""
        click.echo(f"cakupan: {self.format_message()}", err=True)


class ToolFailure(UsageProblem):
    """cakupan itself failed: one line naming the step and the log, exit status 3."""

    exit_code = 3


#: The log an unexpected failure leaves in the output folder, with its traceback.
LOG = "cakupan-error.log"


@contextlib.contextmanager
def _reported(quiet: bool = True, out: Path | None = None, debug: bool = False,
              inputs: tuple = (), first: str = "read"):
    """Yield a progress callback; turn every error into one line on stderr.

    cakupan's errors (an input or setting it cannot use) exit with status 2. Any other
    error is cakupan's own fault: status 3, a line naming the step that failed (``first``
    until the run names another), the ``inputs`` it had and the log holding the traceback
    (:func:`_failure`); ``debug`` prints the traceback too.
    """
    bar, close = _progress(not quiet and sys.stderr.isatty())
    reached = [first]

    def step(name):
        reached[0] = name
        bar(name)

    if hasattr(bar, "detail"):
        step.detail = bar.detail
    try:
        yield step
    except CakupanError as error:
        raise UsageProblem(str(error)) from None
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as error:  # anything else is a fault in cakupan, said in one line
        raise _failure(error, reached[0], out, debug, inputs) from None
    finally:
        close()


def _failure(error: Exception, step: str, out: Path | None, debug: bool, inputs: tuple
             ) -> ToolFailure:
    """Return the one-line report of an unexpected error, its traceback kept in a log.

    The log is ``out/cakupan-error.log`` (a temporary file without ``out``); the outputs
    of the failed run are removed from ``out``, so the folder never looks finished.
    """
    import tempfile
    import traceback

    from cakupan.render.write import OUTPUTS

    text = "".join(traceback.format_exception(error))
    names = [Path(path).name for path in inputs if path is not None]
    header = f"cakupan {step} step failed on: {', '.join(map(str, inputs)) or '-'}\n\n"
    log = None
    if out is not None:
        with contextlib.suppress(OSError):
            Path(out).mkdir(parents=True, exist_ok=True)
            for name in OUTPUTS:
                (Path(out) / name).unlink(missing_ok=True)
            log = Path(out) / LOG
            log.write_text(header + text, encoding="utf-8")
    if log is None:
        handle, name = tempfile.mkstemp(prefix="cakupan-error-", suffix=".log")
        with open(handle, "w", encoding="utf-8") as stream:
            stream.write(header + text)
        log = Path(name)
    if debug:
        click.echo(text.rstrip("\n"), err=True)
    what = (str(error).strip().splitlines() or [""])[0][:200]
    return ToolFailure(
        f"the {step} step failed on {', '.join(names) or 'its inputs'} "
        f"({type(error).__name__}{': ' + what if what else ''}); this is a fault in cakupan, "
        f"not in your files; no outputs were kept; the traceback is in {log}"
        f"{'' if debug else ' (--debug shows it here)'}")


def _progress(enabled: bool):
    """Return (callback, close) drawing a bar over the run's steps, or nothing when quiet.

    The callback's ``detail`` shows, after the bar, how far a long step is (a large file's
    parts: see :data:`cakupan._flow.result.Progress`).
    """
    if not enabled:
        return (lambda name: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=len(STEPS), unit="step", leave=False, file=sys.stderr,
               bar_format="{desc:<10} {bar:30} {n_fmt}/{total_fmt} [{elapsed}]{postfix}")

    def step(name):  # the bar counts the steps done, so the first starts at 0
        bar.set_postfix_str("", refresh=False)
        if bar.desc:
            bar.update(1)
        bar.set_description_str(name)

    step.detail = bar.set_postfix_str
    return step, bar.close


# existence and kind are checked by the readers, which say so in one line
FILE = click.Path(path_type=Path)


audience_option = click.option(
    "--audience", type=click.Choice(["supervisor", "planner"]), default="supervisor",
    show_default=True,
    help="supervisor: maps and lists with interviews to check. planner: totals per area "
         "only, no household locations or IDs (safe to share).")
lang_option = click.option(
    "--lang", type=click.Choice(["id", "en"]), default="id", show_default=True,
    help="Language of maps, report, worklist and these messages: id = Bahasa Indonesia, "
         "en = English.")
debug_option = click.option(
    "--debug", is_flag=True,
    help="On a failure of cakupan itself (exit status 3), show the traceback here too.")
quiet_option = click.option(
    "--quiet", is_flag=True, help="No progress bar (it is hidden anyway when not on a terminal).")


def scale_options(command):
    """Add ``--workers``, ``--scheduler`` and ``--no-html``: large runs (needs cakupan[dask])."""
    command = click.option(
        "--no-html", "no_html", is_flag=True,
        help="Skip map.html and report.html (the slowest outputs of a province-size run).")(
        command)
    command = click.option(
        "--scheduler", metavar="ADDRESS",
        help="Run on the dask cluster at ADDRESS (tcp://host:port, or a scheduler file); the "
             "outputs are the same as without it. Its workers must reach the interview file and "
             "the folder TMPDIR names, at the same paths.")(command)
    return click.option(
        "--workers", type=click.IntRange(min=1), metavar="N",
        help="Run on a local dask cluster of N worker processes; the outputs are the same "
             "as without it.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cakupan")
def main():
    """Check that a door-to-door registration left no household uncounted.

    cakupan compares the households interviewed in every RT, RW, kelurahan and kecamatan with
    the households expected there, and shows where people may have been missed.

    \b
    Try it on the bundled sample first:   cakupan demo
    Then on your own files:               cakupan run --help
    """


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("outputs/demo"), show_default=True,
              help="Folder for the sample's input files and all outputs.")
@click.option("--size", type=click.Choice(["tiny", "small", "city"]), default="city",
              show_default=True,
              help="How much of Kota Tangerang to simulate: 3, 12 or all 104 kelurahan.")
@click.option("--seed", type=int, default=2022, show_default=True,
              help="Seed of the sample; the same seed gives the same files.")
@click.option("--shape", type=click.Choice(["canonical", "bps"]), default="canonical",
              show_default=True,
              help="bps: the RT polygons, prelist and interviews as BPS keeps them (SLS layer "
                   "with kdprov..kdsls, idsls, nmsls; SIPW master export; idsubsls only).")
@audience_option
@lang_option
@quiet_option
@debug_option
@scale_options
def demo(out, size, seed, shape, audience, lang, quiet, debug, workers, scheduler, no_html):
    """Run cakupan on a simulated registration of Kota Tangerang.

    Builds a sample world on the real kelurahan boundaries (RT polygons, households, a
    prelist, assignments with planned dates, a population raster, building footprints,
    interviews with known faults), writes
    its input files to OUT/input and its ground truth to OUT/truth, then writes every output
    to OUT.
    """
    import cakupan

    with _reported(quiet, out, debug, first="sample") as step:
        paths = cakupan.write_world(cakupan.make_world(size, seed), out, shape)
        result = cakupan.run(
            paths["boundaries"], paths["interviews"], out, units=paths["units"],
            prelist=paths["prelist"], population=paths["population"],
            buildings=paths["buildings"], assignments=paths["assignments"],
            audience=audience, lang=lang, html=not no_html,
            workers=workers, scheduler=scheduler, progress=step)
    _summary(result, out, lang)


@main.command("run")
@click.option("--boundaries", required=True, type=FILE,
              help="Kelurahan/desa polygons (GeoJSON, Shapefile or .zip, GeoPackage, KML, ...).")
@click.option("--interviews", required=True, type=FILE,
              help="Interviews with GPS (CSV, Excel, Parquet, GeoJSON; ODK and Kobo exports).")
@click.option("--units", type=FILE,
              help="RT/SLS polygons, if you have them: RT coverage by location and on the map.")
@click.option("--prelist", type=FILE,
              help="Expected households per RT/SLS (the prelist): the count to compare with.")
@click.option("--population", type=FILE,
              help="Population raster (GeoTIFF, persons per cell) as another expected count.")
@click.option("--buildings", type=FILE,
              help="Building footprints (polygons or points) as another expected count.")
@click.option("--assignments", type=FILE,
              help="Who is assigned to each RT/SLS (PPL, PML, planned start and end): "
                   "CSV or Excel. Without it, owners are inferred from the interviews.")
@click.option("--config", "config_path", type=FILE,
              help="TOML settings: column names of your files and thresholds (see README).")
@click.option("--decisions", type=FILE, multiple=True, metavar="F",
              help="A worklist.xlsx filled in by a supervisor (column Keputusan/Decision: "
                   "benar/verified, ditolak/rejected, sudah dikunjungi/revisited), or a CSV "
                   "of its columns; repeat for several files.")
@click.option("--previous", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The output folder of an earlier run, to show what changed since.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the outputs to; created if missing.")
@audience_option
@lang_option
@quiet_option
@debug_option
@scale_options
def run_command(boundaries, interviews, units, prelist, population, buildings, assignments,
                config_path, decisions, previous, out, audience, lang, quiet, debug, workers,
                scheduler, no_html):
    """Measure coverage of your registration and write maps, report and worklist.

    \b
    Example:
      cakupan run --boundaries kelurahan.geojson --interviews wawancara.csv \\
                  --prelist prelist.xlsx --out hasil/
    """
    import cakupan

    given = (boundaries, interviews, units, prelist, population, buildings, assignments,
             *decisions)
    with _reported(quiet, out, debug, given) as step:
        result = cakupan.run(
            boundaries, interviews, out, units=units, prelist=prelist, population=population,
            buildings=buildings, assignments=assignments,
            config=cakupan.load_config(config_path), audience=audience, lang=lang,
            html=not no_html, workers=workers, scheduler=scheduler, progress=step,
            decisions=decisions, previous=previous)
    _summary(result, out, lang)


@main.command("validate")
@click.option("--boundaries", required=True, type=FILE,
              help="Kelurahan/desa polygons (GeoJSON, Shapefile or .zip, GeoPackage, KML, ...).")
@click.option("--interviews", type=FILE,
              help="Interviews with GPS (CSV, Excel, Parquet, GeoJSON; ODK and Kobo exports).")
@click.option("--units", type=FILE, help="RT/SLS polygons.")
@click.option("--prelist", type=FILE, help="Expected households per RT/SLS (the prelist).")
@click.option("--assignments", type=FILE,
              help="Who is assigned to each RT/SLS (PPL, PML, planned dates).")
@click.option("--config", "config_path", type=FILE,
              help="TOML settings: column names of your files, layers, sheet, CRS (see README).")
@lang_option
@debug_option
def validate_command(boundaries, interviews, units, prelist, assignments, config_path, lang,
                     debug):
    """Check your input files without running the analysis.

    Prints in --lang, per input: rows read, usable and set aside (by reason), repairs made,
    the columns recognised (cakupan's <- yours), the CRS and, for polygons, the overlaps and
    holes between neighbours. Exits 0 when every file can be used (even with rows set aside),
    2 with one line naming the file (and row and column) when one cannot.

    \b
    Example:
      cakupan validate --boundaries kelurahan.geojson --interviews wawancara.csv
    """
    import cakupan

    given = (boundaries, interviews, units, prelist, assignments)
    with _reported(debug=debug, inputs=given, first="validate"):
        table = cakupan.validate(boundaries, interviews, units=units, prelist=prelist,
                                 assignments=assignments,
                                 config=cakupan.load_config(config_path))
    click.echo(format_summary(table, lang))


def _summary(result, out: Path, lang: str = "id") -> None:
    """Print the run's rows and RT statuses in ``lang``, numbers as :mod:`cakupan.formats` says.

    Every status present is named (the first four even at zero), in words.
    """
    from cakupan.formats import moment, number, word
    from cakupan.labels import labels

    said = labels(lang)["cli"]
    rt = result.coverage[result.coverage["level"].eq("rt")]
    counts = rt["status"].value_counts()
    account = result.accounting["interviews"]
    where = said["where_csv"] if (out / "interviews.csv").exists() else said["where_report"]
    click.echo(said["rows"].format(read=number(account["rows_read"], lang),
                                   counted=number(account["rows_counted"], lang),
                                   aside=number(account["rows_set_aside"], lang), where=where))
    always = ["complete", "under", "not_started", "over"]
    statuses = always + sorted(set(counts.index) - set(always))
    parts = ", ".join(f"{number(counts.get(status, 0), lang)} {word(status, lang).lower()}"
                      for status in statuses if counts.get(status, 0) or status in always)
    click.echo(said["rts"].format(n=number(len(rt), lang), parts=parts))
    schedule = result.schedule
    if schedule is not None and schedule.as_of_text:
        click.echo(said["as_of"].format(date=moment(schedule.as_of, lang))
                   + (said["during"] if schedule.during else "")
                   + said["owners_inferred" if schedule.inferred else "owners_assigned"])
    if result.decisions is not None:
        outcomes = result.decisions["outcome"].value_counts().sort_index()
        outcome_words = labels(lang)["report"]
        click.echo(said["decisions"].format(
            n=number(len(result.decisions), lang), parts=", ".join(
                f"{number(n, lang)} {outcome_words.get(name, name)}"
                for name, n in outcomes.items())))
    if result.changes is not None:
        found = result.changes
        click.echo(said["changes"].format(
            previous=found["previous"], complete=number(len(found["rts_newly_complete"]), lang),
            gained=number(found["households_gained"], lang),
            decisions=number(found["decisions_applied_since"], lang)))
    if (out / "report.html").exists():
        click.echo(said["outputs"].format(out=out, report=out / "report.html",
                                          map=out / "map.html"))
    else:
        click.echo(said["no_html"].format(out=out))


def format_summary(table, lang: str = "id") -> str:
    """Return :func:`cakupan.validate`'s table as short text in ``lang``, one block per input.

    Reasons and repairs are said in words, numbers as :mod:`cakupan.formats` writes them;
    the columns keep cakupan's names (those of the settings file) beside yours.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame([{"input": "prelist", "file": "p.csv", "format": "csv",
    ...     "crs": "", "rows_read": 3000, "rows_usable": 2999, "rows_set_aside": 1,
    ...     "set_aside": "duplicate 1", "repairs": "", "columns": "rt <- RT",
    ...     "overlap_pairs": None, "overlap_ha": None, "holes": None, "hole_ha": None}])
    >>> print(format_summary(table, "en"))
    prelist     p.csv: 3,000 rows read, 2,999 usable, 1 set aside (duplicate 1)
                columns (cakupan <- yours): rt <- RT
    >>> print(format_summary(table, "id").splitlines()[0])
    prelist     p.csv: 3.000 baris dibaca, 2.999 dapat dipakai, 1 disisihkan (duplikat 1)
    """
    import pandas as pd

    from cakupan.formats import hectares, number
    from cakupan.labels import labels

    said = labels(lang)["cli"]
    lines = []
    pad = " " * 12
    for row in table.itertuples(index=False):
        aside = f" ({_said_counts(row.set_aside, lang)})" if row.set_aside else ""
        read = said["read"].format(read=number(row.rows_read, lang),
                                   usable=number(row.rows_usable, lang),
                                   aside=number(row.rows_set_aside, lang))
        lines.append(f"{row.input:<11} {row.file}: {read}{aside}")
        if row.repairs:
            lines.append(f"{pad}{said['repairs']}: {_said_counts(row.repairs, lang)}")
        if row.crs:
            lines.append(f"{pad}CRS: {row.crs}")
        lines.append(f"{pad}{said['columns']}: {row.columns or said['none_recognised']}")
        if getattr(row, "codes", ""):
            lines.append(f"{pad}{said['codes']}: {row.codes}")
        tables = getattr(row, "tables", "")
        if isinstance(tables, str) and tables:  # a survey export: its table, repeat groups
            lines.append(f"{pad}{said['table']}: {tables}")
        if pd.notna(row.overlap_pairs):
            lines.append(pad + said["overlaps"].format(
                pairs=number(row.overlap_pairs, lang), overlap=hectares(row.overlap_ha, lang),
                holes=number(row.holes, lang), hole=hectares(row.hole_ha, lang)))
    return "\n".join(lines)


def _said_counts(counts: str, lang: str) -> str:
    """Return ``"no_coordinates 71; duplicate 117"`` in words and the language's numbers."""
    from cakupan.formats import number, word

    parts = (part.rsplit(" ", 1) for part in counts.split("; ") if part)
    return "; ".join(f"{word(name, lang)} {number(int(n), lang)}" for name, n in parts)


if __name__ == "__main__":  # pragma: no cover
    main()
