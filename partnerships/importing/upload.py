"""Checks on a twinnings file uploaded in the admin, before anything of it is stored.

The command reports a line that is not UTF-8 and goes on; an upload is refused whole, since a
file in another encoding (Latin-1, Windows-1252) would be rejected line by line. Each refusal
names the problem: the size and the limit, the first line and byte that are not UTF-8, the
columns the header lacks.
"""

import codecs
import csv

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .importer import FORMATS, detect_format, shown

CHUNK = 1 << 16


def inspect_upload(upload, fmt_name, max_bytes):
    """The number of rows (lines after the header) of `upload` (a Django UploadedFile), or
    ValidationError saying why it cannot be imported."""
    if upload.size > max_bytes:
        raise ValidationError(
            _(
                "The file is %(size)s; files up to %(limit)s can be imported here "
                "(MAX_IMPORT_UPLOAD_BYTES). Split it, or import it with the command "
                "import_twinnings."
            )
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0  # line breaks seen so far
    head = ""  # the beginning of the text, where the header is
    last = b""
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise not_utf8(lines, error) from None
        if len(head) < 2 * CHUNK:
            head += text
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text: it ends in the middle of a character."),
            code="not_utf8",
        ) from None
    upload.seek(0)
    if last and last != b"\n":
        lines += 1  # the last line has no line break
    header_line, header = read_header(head)
    check_header(header, fmt_name)
    return lines - header_line


def not_utf8(lines_before, error):
    # error.object: the chunk, after any bytes of a character begun in the chunk before.
    line = lines_before + error.object.count(b"\n", 0, error.start) + 1
    return ValidationError(
        _(
            "The file is not UTF-8 text: line %(line)s holds the byte 0x%(byte)02X, which UTF-8 "
            "does not allow. Save the file as UTF-8 (in a spreadsheet: “CSV UTF-8”) and upload "
            "it again."
        )
        % {"line": line, "byte": error.object[error.start]},
        code="not_utf8",
    )


def read_header(text):
    """(line number, lower-cased column names) of the first line that is not empty, as the
    importer reads it."""
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if any(field.strip() for field in fields):
            return number, [f.strip().lstrip("\ufeff").strip().lower() for f in fields]
    raise ValidationError(_("The file is empty: it has no header line."), code="empty")


def check_header(header, fmt_name):
    columns = set(header)
    if fmt_name:
        candidates = [FORMATS[fmt_name]]
    elif detect_format(header):
        return
    else:
        candidates = list(FORMATS.values())
    # The format the header is closest to: the fewest of its columns missing.
    fmt = min(candidates, key=lambda fmt: len(fmt.required - columns))
    missing = [name for name in fmt.columns if name not in columns]
    if missing:
        raise ValidationError(
            _(
                "This is not a twinnings file: its header (%(header)s) lacks the column(s) "
                "%(missing)s of the %(format)s format (%(columns)s)."
            )
            % {
                "header": ", ".join(map(shown, header)),
                "missing": ", ".join(missing),
                "format": fmt.name,
                "columns": ",".join([*fmt.columns, *fmt.optional]),
            },
            code="not_twinnings",
        )
    if not fmt_name:
        known = {*fmt.columns, *fmt.optional}
        extra = [shown(name) for name in header if name not in known]
        raise ValidationError(
            _(
                "The header has columns that the %(format)s format does not have: %(extra)s. "
                "Choose the format to import the file anyway (those columns are ignored)."
            )
            % {"format": fmt.name, "extra": ", ".join(extra)},
            code="unknown_columns",
        )
