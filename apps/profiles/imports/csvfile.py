"""Reading an uploaded CSV file: its encoding, its delimiter, its header and its rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from segmentflow.errors import ActionError

from .. import actions

DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 100
SAMPLE_ROWS = 5


def file_error(message: str) -> ActionError:
    return ActionError("validation_failed", "file", message)


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding that read it: UTF-8 (with or without a BOM), UTF-16
    with a BOM (Excel's "Unicode text"), else Windows-1252, else Latin-1, which reads anything."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252", "latin-1")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise file_error("The file is not readable text (UTF-8, UTF-16, Windows-1252 or Latin-1).")


def sniff_delimiter(text: str) -> str:
    """The most frequent of `,` `;` and tab in the header line outside quotes; a file with a single
    column has none, and is read as comma-separated."""
    end = text.find("\n")
    first_line = re.sub(r'"[^"]*"', "", text if end == -1 else text[:end])
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def read_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of every record that is not blank; numbered as a spreadsheet numbers
    its rows, so the header is row 1 when the file does not start with blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row_number, cells in enumerate(reader, start=1):
        if any(cell.strip() for cell in cells):
            yield row_number, cells


def looks_like_email(value: str) -> bool:
    try:
        actions.clean_email(value)
    except ActionError:
        return False
    return True


@dataclass
class CsvInspection:
    encoding: str
    delimiter: str
    columns: list[str]
    sample_rows: list[list[str]]
    total_rows: int


def inspect_csv(data: bytes) -> CsvInspection:
    """Check that `data` is a CSV file with a header row and data rows, and describe it."""
    if not data.strip():
        raise file_error("The file is empty.")
    text, encoding = decode_csv(data)
    if "\x00" in text[:4096]:
        raise file_error(
            "This is not a CSV file. An Excel workbook must first be saved as CSV (File → Save As)."
        )
    delimiter = sniff_delimiter(text)
    records = read_records(text, delimiter)
    try:
        first = next(records, None)
        if first is None:
            raise file_error("The file is empty.")
        header = [cell.strip() for cell in first[1]]
        samples: list[list[str]] = []
        total = 0
        for _, cells in records:
            total += 1
            if len(samples) < SAMPLE_ROWS:
                samples.append([cell.strip()[:100] for cell in cells[: len(header)]])
    except csv.Error as exc:
        raise file_error(f"The file could not be read as CSV: {exc}.") from exc
    if len(header) > MAX_COLUMNS:
        raise file_error(f"The file has {len(header)} columns; at most {MAX_COLUMNS} can be read.")
    if any(looks_like_email(cell) for cell in header):
        raise file_error(
            "The first row must be a header naming the columns (such as Email, First name), "
            "but it holds an email address. Add a header row and upload the file again."
        )
    if not total:
        raise file_error("The file has a header row but no data rows.")
    columns = [name or f"Column {index}" for index, name in enumerate(header, start=1)]
    samples = [row + [""] * (len(columns) - len(row)) for row in samples]
    return CsvInspection(encoding, delimiter, columns, samples, total)
