"""XLSX workbooks -> rows of the long table, each visible sheet on its own (``source`` ends with ``#Sheet``).

A formatted table is found under its title rows: the first row with an area name and numbers to its right; the
heading row above names value, CI, count and rank columns, and a row of periods above that may group them. A sheet
with years across the top and area headings between blocks of rows is read too. Contents/metadata sheets give
names and definitions; hidden sheets are ignored; dashboards (drop-down driven) are skipped with a reason. A wide
data sheet (more than :data:`WIDE_SHEET` numeric columns) is melted by :mod:`assistant.indicators.wide`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from assistant.errors import DocumentError
from assistant.indicators.schema import (
    cell_number,
    cell_text,
    empty_table,
    finish,
    normalise_unit,
    number_text,
    split_sex,
)
from assistant.indicators.tidy import SIDECAR_ADVICE, Sidecar
from assistant.indicators.wide import wide_records
from assistant.model import SkippedFile

WIDE_SHEET = 100  # more numeric columns than this: one column per measure and period, not a table to melt
AGE_AND_AREA = re.compile(r"^(all ages|\d+\s*-\s*\d+|\d+\s*\+)\s*(?:-\s*)?(\S.*)$", re.I)
DOCUMENTATION_SHEET = re.compile(r"contents|metadata|introduction|^notes?$|read ?me|^about|version", re.I)
DASHBOARD_PROMPT = re.compile(r"please make a selection|^select\b.*:|^selection \d", re.I)
PERIOD_TEXT = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
TITLE_PERIOD = re.compile(r"((?:19|20)\d\d(?:/\d\d)?(?:\s*(?:-|to)\s*(?:(?:19|20)?\d\d)(?:/\d\d)?)?)\s*$")


def read_workbook(path: Path, rel: str, sidecar: Sidecar) -> tuple[pd.DataFrame, list[SkippedFile]]:
    """Every visible data sheet as rows of the long table, and the sheets that could not be used, each with its
    reason. Raises :class:`DocumentError` when the file is not a readable workbook or has no data sheets."""
    if sidecar.column_map:
        raise DocumentError(rel, "a workbook's sidecar cannot have a column_map", SIDECAR_ADVICE)
    grids = _sheets(path, rel)
    meta = _workbook_metadata(grids)
    frames, skipped = [], []
    for sheet, grid in grids.items():
        if DOCUMENTATION_SHEET.search(sheet):
            continue  # read above for names and definitions
        where = f"{rel}#{sheet}"
        try:
            frame = _sheet_records(grid, sheet, meta)
        except DocumentError as error:
            skipped.append(SkippedFile(where, error.reason))
            continue
        for column, value in sidecar.constants.items():
            frame[column] = value
        frames.append(finish(frame, where, default_name=sheet))
    if not frames and not skipped:
        raise DocumentError(rel, "the workbook has no data sheets, only contents, metadata or hidden ones", "")
    table = pd.concat(frames, ignore_index=True) if frames else empty_table()
    return table, skipped


def _sheets(path: Path, rel: str) -> dict[str, pd.DataFrame]:
    """The visible sheets as grids of cells (no header), empty rows and columns dropped."""
    try:
        from python_calamine import SheetVisibleEnum
    except ImportError:
        raise DocumentError(
            rel, "python-calamine, which reads workbooks, is not installed", "Run `make install`."
        ) from None
    try:
        with pd.ExcelFile(path, engine="calamine") as book:
            visible = [sheet.name for sheet in book.book.sheets_metadata if sheet.visible == SheetVisibleEnum.Visible]
            grids = {str(k): v for k, v in pd.read_excel(book, sheet_name=visible, header=None).items()}
    except Exception as exc:  # calamine raises its own errors, zipfile's, ValueError... for a damaged file
        raise DocumentError(
            rel,
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            "Open it in Excel and save it again as .xlsx, or export its tables as CSV.",
        ) from exc
    return {name: _compact(grid) for name, grid in grids.items()}


def _compact(grid: pd.DataFrame) -> pd.DataFrame:
    grid = grid.dropna(how="all").dropna(axis=1, how="all").reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    return grid


def _workbook_metadata(grids: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The "label | text" pairs from the contents/metadata sheets ("Description", "Data Type", ...)."""
    meta: dict[str, str] = {}
    for sheet, grid in grids.items():
        if not DOCUMENTATION_SHEET.search(sheet) or grid.shape[1] < 2:
            continue
        for label, text in zip(grid[0], grid[1], strict=True):
            if isinstance(label, str) and isinstance(text, str) and len(label) < 40:
                meta.setdefault(label.strip().rstrip(":").lower(), " ".join(text.split()))
    return meta


def _sheet_records(grid: pd.DataFrame, sheet: str, meta: dict[str, str]) -> pd.DataFrame:
    if grid.empty:
        raise DocumentError(sheet, "empty sheet")
    cells = grid.stack()
    if any(isinstance(c, str) and DASHBOARD_PROMPT.search(c.strip()) for c in cells):
        raise DocumentError(
            sheet, "dashboard sheet: its tables change with drop-down selections, so there is no fixed table"
        )
    numeric_columns = sum(grid[c].map(cell_number).notna().any() for c in grid.columns)
    if numeric_columns > WIDE_SHEET:
        return wide_records(grid, sheet, numeric_columns)
    header = _year_header(grid)
    if header is not None:
        return pd.DataFrame(_year_records(grid, header[0], header[1], sheet, meta))
    return pd.DataFrame(_area_records(grid, sheet))


# ---------------------------------------------------------------------------------------------- years across


def _year_heading(cell: object) -> str:
    number = cell_number(cell)
    if number is not None and number.is_integer() and 1990 <= number <= 2100:
        return str(int(number))
    return ""


def _year_header(grid: pd.DataFrame) -> tuple[int, list[int]] | None:
    """A heading row with three or more years across it (projections, time series)."""
    for row in range(min(len(grid), 15)):
        years = [c for c in grid.columns if _year_heading(grid.iat[row, c])]
        if len(years) >= 3:
            return row, years
    return None


def _year_records(
    grid: pd.DataFrame, header: int, years: list[int], sheet: str, meta: dict[str, str]
) -> list[dict[str, str]]:
    """Years across, row labels down column one; a label with no numbers starts the next area's block, and
    labels like "0-4 - Adur" carry their own age band and area."""
    heading = cell_text(grid.iat[header, 0])
    area = "" if re.search(r"\b(age|row labels|labels|area|name)\b", heading, re.I) else heading
    records: list[dict[str, str]] = []
    age_rows = 0
    for row in range(header + 1, len(grid)):
        label = cell_text(grid.iat[row, 0])
        values = [(c, cell_number(grid.iat[row, c])) for c in years]
        if all(v is None for _, v in values):
            area = label or area
            continue
        if not label:
            continue
        age_band = AGE_AND_AREA.match(label)
        age, where, category = (age_band.group(1), age_band.group(2), "") if age_band else ("", area, label)
        age_rows += bool(age_band)
        if not where:
            raise DocumentError(sheet, "no area column: the rows are labelled but no area heads them")
        for column, value in values:
            period = _year_heading(grid.iat[header, column])
            records.append(dict(area_name=where, age=age, category=category, period=period, value=number_text(value)))
    if not records:
        raise DocumentError(sheet, "no rows with numbers under the year columns")
    sex, _ = split_sex(sheet.split()[0])
    if age_rows:
        name, definition = "Population by age band", meta.get("population data", "")
    else:
        name, definition = meta.get("data type", sheet), meta.get("description", "")
    for record in records:
        record.update(indicator_name=name, definition=definition, unit="count", sex=sex)
        record["age"] = "All ages" if record["age"].lower() == "all ages" else record["age"]
    return records


# ---------------------------------------------------------------------------------------------- formatted tables


def _area_records(grid: pd.DataFrame, sheet: str) -> list[dict[str, str]]:
    """A formatted table: title rows, a row of periods, a row of headings, then one row per area."""
    found = _first_area_row(grid)
    if found is None:
        raise DocumentError(sheet, "no table with an area column and a value column")
    first, area_column = found
    heading_row = next(
        (
            r
            for r in range(first - 1, -1, -1)
            if any(cell_text(grid.iat[r, c]) for c in grid.columns[area_column + 1 :])
        ),
        None,
    )
    if heading_row is None:
        raise DocumentError(sheet, "no heading row above the table")
    periods = _period_row(grid, heading_row, area_column)
    title = _title(grid, heading_row)
    groups: dict[str, dict[str, int]] = {}
    for column in grid.columns[area_column + 1 :]:
        heading = cell_text(grid.iat[heading_row, column])
        role = _role(heading) if heading else ""
        if role in ("", "ignore"):
            continue
        group = groups.setdefault(periods.get(column, ""), {})
        if role in group:
            raise DocumentError(sheet, f"two {role} columns under one heading ({heading!r}); expected one per period")
        group[role] = column
    groups = {p: g for p, g in groups.items() if "value" in g}
    if not groups:
        raise DocumentError(sheet, "no table with an area column and a value column")
    name, sex = _title_name(title or sheet)
    title_period = TITLE_PERIOD.search(title.split(";")[-1]) if ";" in title else None
    records = []
    for row in range(first, len(grid)):
        area = cell_text(grid.iat[row, area_column])
        if not area or re.match(r"(source|notes?)\b", area, re.I):
            continue
        for period, group in groups.items():
            value = cell_number(grid.iat[row, group["value"]])
            if value is None:
                continue
            record = dict(area_name=area, period=period or (title_period.group(1) if title_period else ""))
            record["value"] = number_text(value)
            for role in ("lower_ci", "upper_ci", "count", "denominator"):
                record[role] = number_text(cell_number(grid.iat[row, group[role]])) if role in group else ""
            if "compared_to_england" in group:
                record["compared_to_england"] = cell_text(grid.iat[row, group["compared_to_england"]])
            records.append(record)
    unit_hint = " ".join(cell_text(grid.iat[heading_row, g["value"]]) for g in groups.values())
    for record in records:
        record.update(indicator_name=name, sex=sex, definition=title if title != name else "")
        record["unit"] = normalise_unit("", f"{name} {unit_hint}")
    return records


def _first_area_row(grid: pd.DataFrame) -> tuple[int, int] | None:
    """The first row with a place name followed by numbers, where that column holds names (not age bands or
    years) in most of the rows with numbers below it."""
    for row in range(len(grid)):
        for column in grid.columns:
            label = cell_text(grid.iat[row, column])
            if not label or cell_number(label) is not None:
                continue
            if not any(cell_number(grid.iat[row, c]) is not None for c in grid.columns[column + 1 :]):
                continue
            if _names_column(grid, row, column):
                return row, column
            break  # only the leftmost label of a row can be its area
    return None


def _names_column(grid: pd.DataFrame, first: int, column: int) -> bool:
    right = grid.columns[column + 1 :]
    rows = [r for r in range(first, len(grid)) if any(cell_number(grid.iat[r, c]) is not None for c in right)]
    labels = [cell_text(grid.iat[r, column]) for r in rows]
    named = [label for label in labels if label and cell_number(label) is None]
    if len(named) < max(2, 0.6 * len(rows)):
        return False
    banded = [label for label in named if re.fullmatch(r"\d+\s*[-+]\s*\d*|(?:19|20)\d\d\S*", label)]
    return len(banded) < len(named) / 2


def _period_row(grid: pd.DataFrame, heading_row: int, area_column: int) -> dict[int, str]:
    """Periods over the heading row ("2009 to 2011" over four columns), carried across merged cells."""
    for row in (heading_row - 1, heading_row - 2):
        if row < 0:
            break
        labels = {c: cell_text(grid.iat[row, c]) for c in grid.columns[area_column + 1 :]}
        if any(labels.values()) and all(PERIOD_TEXT.search(v) for v in labels.values() if v):
            carried, current = {}, ""
            for column, label in labels.items():
                current = label or current
                carried[column] = current
            return carried
    return {}


def _title(grid: pd.DataFrame, heading_row: int) -> str:
    for row in range(heading_row):
        for column in grid.columns[:3]:
            text = cell_text(grid.iat[row, column])
            if len(text) >= 15:
                return re.sub(r"^table\s*\d+\s*[:.\-]\s*", "", text, flags=re.I)
    return ""


def _title_name(title: str) -> tuple[str, str]:
    """A table title such as "Female Life Expectancy at birth (years), 95% confidence levels ...; 2009-2011 to
    2012-2014" -> ("Life Expectancy at birth", "Female")."""
    name = re.split(r";|,\s*95%", title)[0]
    name = re.sub(
        r"\s+for\s+(local authorities|clinical commissioning groups|ccgs|districts|wards)\b.*$", "", name, flags=re.I
    )
    name = re.sub(r"\s*\((years|%)\)\s*$", "", name, flags=re.I).strip()
    sex, name = split_sex(name)
    return name, sex


def _role(heading: str) -> str:
    low = heading.lower()
    if re.search(r"\brank", low):
        return "ignore"
    if re.search(r"\blower\b.*\b(ci|confidence|limit)|^lci\b|\blcl\b", low):
        return "lower_ci"
    if re.search(r"\bupper\b.*\b(ci|confidence|limit)|^uci\b|\bucl\b", low):
        return "upper_ci"
    if re.search(r"\bsig(nificance|nificant)?\b|compared", low):
        return "compared_to_england"
    if re.search(r"^(number|count|numerator)\b|number of|\bdeaths\b", low):
        return "count"
    if re.search(r"denominator|^population|^births$", low):
        return "denominator"
    if re.search(r"rate|ratio|expectancy|%|percent|proportion|prevalence|value|score|average|mean", low):
        return "value"
    return "ignore"
