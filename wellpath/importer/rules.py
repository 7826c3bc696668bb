"""The contract's row rules as DuckDB SQL, generated from `wellpath.contract`.

Each contract file is read into a check table `chk_<table>`: `_row` (data row in the file,
first = 1), the columns as sent (`c0`, `c1`, ... all text), and for each contract column its
parsed value under the column's own name (NULL when empty or unparseable). Every rule is then
a SQL condition over that table producing (row, column, value, rule sentence), so a file of
25 million rows is checked in a few vectorised scans instead of a Python loop.

SQL here is assembled from the contract's own names and constant sentences (never from what
a file sends: header names and values reach SQL only as bound parameters or column data).
"""

# SQL is built from the contract's own table and column names, never from file input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from wellpath import contract
from wellpath.contract import Column, Table

DATE_FORMS = "use YYYY-MM-DD or DD/MM/YYYY"
# What is trimmed from both ends of every cell: spaces, tabs, line breaks and the
# non-breaking space that copying from a web page or Word leaves behind.
TRIM_CHARS = "' ' || chr(9) || chr(10) || chr(13) || chr(160)"

# Forms of a date, a month and a number (regular expressions, matched against the whole cell).
ISO_DATE = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
UK_DATE = "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
ANY_DATE = f"({ISO_DATE}|{UK_DATE})"
# A date written as a datetime at midnight, as databases and Excel export a date: the time
# says nothing, so it is dropped. Any other time of day rejects the row (a date is expected).
MIDNIGHT = "[ T]00:00(:00([.]0+)?)?"
TIME_OF_DAY = "[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?"
PLAIN_INTEGER = "[+-]?[0-9]+"
# 1,200 (thousands separators, correctly grouped) and 12.0 (a whole number as a decimal).
LOOSE_INTEGER = "[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)([.]0*)?"
PLAIN_DECIMAL = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)"
LOOSE_DECIMAL = "[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?"
# Fields a row may carry beyond the header's and still be read (then rejected, kept whole):
# an unquoted "5,000" or "Smith, J" adds one or two. More than this refuses the file.
EXTRA_FIELDS = 8


# Dates of events that must have happened by the day of the import.
PAST_EVENT_DATES = (
    "referral_date",
    "triage_date",
    "first_contact_date",
    "action_plan_date",
    "discharge_date",
    "assessment_date",
    "agreed_date",
    "closed_date",
    "engagement_date",
    "story_date",
)
BEYOND_HEADER = "(fields beyond the header)"  # raw_row key for them


def sent_columns(header: list[str], width: int | None = None) -> list[str]:
    """The staged columns: one per field of the header row as sent (`width`, counting
    Excel's empty trailing columns), then the spare ones for extra fields."""
    return [f"c{i}" for i in range(max(width or 0, len(header)) + EXTRA_FIELDS)]


def _extra_columns(header: list[str], width: int | None = None) -> list[str]:
    """The spare columns, for fields beyond the header row as sent."""
    return sent_columns(header, width)[max(width or 0, len(header)) :]


def _trailing_columns(header: list[str], width: int | None = None) -> list[str]:
    """Nameless columns after the last named one (Excel's empty trailing columns): ignored,
    and kept in a rejected row's record only where they hold a value."""
    return [f"c{i}" for i in range(len(header), max(width or 0, len(header)))]


NHS_NUMBER_MASK = "(NHS number removed)"


def lit(text: str) -> str:
    """A SQL string literal for one of the contract's own constant strings."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a contract name: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class Check:
    """One rule: rows where `condition` holds break it; `rule` is a SQL text expression."""

    column: str | None  # None: the rule is about the row, not one column
    condition: str
    value: str
    rule: str
    # The one trimmed cell (t<i>) that condition, value and rule read, if so: such a rule is
    # checked once per distinct value of the cell rather than once per row.
    cell: str | None = None


def raw_expr(table: Table, header: list[str], column: str, alias: str = "") -> str:
    """The cell as sent, trimmed, NULL when empty or when the column was not sent.

    That is the check table's column `t<i>`, trimmed once there (see `check_table_sql`), as
    every rule reads it. `alias` prefixes it (e.g. "c." when the check table is joined).
    """
    if column in header and column in table.column_names:
        return f"{alias}t{header.index(column)}"
    return "null::varchar"


TRIM_EACH = ("' '", "chr(9)", "chr(10)", "chr(13)", "chr(160)")


def _trimmed(column: str) -> str:
    """The cell trimmed of TRIM_CHARS, NULL when empty. trim() with a set of characters is
    slow (about ten times a prefix test), and almost no cell needs it: it is only called on
    a cell that starts or ends with one of them."""
    ends = " or ".join(f"{f}({column}, {ch})" for f in ("prefix", "suffix") for ch in TRIM_EACH)
    return (
        f"(case when {column} = '' then null when not ({ends}) then {column} "
        f"else nullif(trim({column}, {TRIM_CHARS}), '') end)"
    )


def _re2_class(exclude: frozenset[int] = frozenset()) -> str:
    parts = []
    for a, b in contract.NHS_SEPARATOR_RANGES:
        points = [p for p in range(a, b + 1) if p not in exclude]
        for p in points:
            parts.append(f"\\x{{{p:04x}}}")
    return "[" + "".join(parts) + "]"


NHS_SEP = _re2_class()
NHS_SEP_NOT_DOT = _re2_class(frozenset({0x2E}))


def _let(value: str, name: str, body: str) -> str:
    """`body` with `name` bound to `value`, evaluated once (a one-element list_transform)."""
    return f"list_transform([{value}], {name} -> {body})[1]"


def _modulus_11_sql(d: str) -> str:
    """`d` (a lambda variable) is 10 ASCII digits passing the Modulus 11 check."""
    weighted = f"list_sum(list_transform(range(1, 10), i -> (ascii({d}[i]) - 48) * (11 - i)))"
    return (
        f"(regexp_full_match({d}, '[0-9]{{10}}') and "
        f"(11 - {weighted} % 11) % 11 = ascii({d}[10]) - 48)"
    )


def _fullwidth(raw: str) -> str:
    return f"translate({raw}, '{contract.FULLWIDTH_DIGITS}', '0123456789')"


def _nhs_digits_sql(t: str) -> str:
    """SQL twin of contract.nhs_digits for a lambda variable `t` (full-width digits mapped)."""
    no_sep = f"regexp_replace({t}, '{NHS_SEP_NOT_DOT}', '', 'g')"
    sci = contract.SCIENTIFIC
    expand = _let(
        f"regexp_extract({no_sep}, '{sci}', ['w', 'f', 'e'])",
        "m",
        "case when m.e::integer >= length(m.f) then m.w || m.f || "
        "repeat('0', m.e::integer - length(m.f)) else '' end",
    )
    plain = (
        f"regexp_replace(regexp_replace(regexp_replace({t}, '[.,]0+{NHS_SEP}*$', ''), "
        f"'{NHS_SEP}', '', 'g'), '(?i){contract.NHS_PREFIX.replace(chr(39), chr(39) * 2)}', '')"
    )
    return f"case when regexp_full_match({no_sep}, '{sci}') then {expand} else {plain} end"


def _prefilter(raw: str) -> str:
    return f"regexp_matches({raw}, '{contract.NHS_PREFILTER}')"


def nhs_number_sql(raw: str) -> str:
    """True when the whole cell `raw` is an NHS number however spelled (contract.is_nhs_number):
    10 digits passing the Modulus 11 check after separators, full-width digits, an NHS
    prefix, an apostrophe, a trailing .0 or scientific notation are undone."""
    whole = _let(
        _nhs_digits_sql(_let(f"trim({_fullwidth(raw)})", "t", "t")), "d", _modulus_11_sql("d")
    )
    return f"coalesce(case when {_prefilter(raw)} then {whole} end, false)"


def nhs_in_text_sql(raw: str) -> str:
    """True when the cell is an NHS number or free text holds one (contract.contains_nhs_number)."""
    tokens = (
        f"regexp_extract_all(regexp_replace({_fullwidth(raw)}, '([0-9])[.,]0+([^0-9]|$)', "
        f"'\\1\\2', 'g'), '[0-9](?:{NHS_SEP}{{0,3}}[0-9])*')"
    )
    groups = (
        "list_bool_or(list_transform(range(1, len(g) + 1), i -> list_bool_or(list_transform("
        "range(i, least(len(g), i + 9) + 1), j -> "
        + _let("array_to_string(g[i:j], '')", "d", _modulus_11_sql("d"))
        + "))))"
    )
    embedded = (
        f"coalesce(list_bool_or(list_transform({tokens}, tok -> "
        + _let(f"regexp_split_to_array(tok, '{NHS_SEP}+')", "g", groups)
        + ")), false)"
    )
    whole = _let(
        _nhs_digits_sql(_let(f"trim({_fullwidth(raw)})", "t", "t")), "d", _modulus_11_sql("d")
    )
    return f"coalesce(case when {_prefilter(raw)} then {whole} or {embedded} end, false)"


def _date_part(raw: str) -> str:
    """The cell without a midnight time after the date (only looked for in long cells)."""
    return (
        f"(case when length({raw}) > 10 then regexp_replace({raw}, '{MIDNIGHT}$', '') "
        f"else {raw} end)"
    )


def date_sql(raw: str) -> str:
    """The date in `raw` (ISO or UK, one- or two-digit day and month), NULL if none."""
    d = _date_part(raw)
    return (
        f"(case when regexp_full_match({d}, '{ISO_DATE}') then try_strptime({d}, '%Y-%m-%d') "
        f"when regexp_full_match({d}, '{UK_DATE}') then try_strptime({d}, '%d/%m/%Y') end)::date"
    )


def month_sql(raw: str) -> str:
    """The first day of the month in `raw`: YYYY-MM (or YYYY-M), or a date on the 1st."""
    as_date = date_sql(raw)
    return (
        f"(case when regexp_full_match({raw}, '[0-9]{{4}}-[0-9]{{1,2}}') "
        f"then try_strptime({raw} || '-01', '%Y-%m-%d')::date "
        f"when length({raw}) > 7 and day({as_date}) = 1 then {as_date} end)"
    )


def _canonical_integer(raw: str) -> str:
    """The cell is a whole number exactly as DuckDB writes one ([-]digits, no leading zero):
    such a cell matches PLAIN_INTEGER, and its cast is what the plain form would give."""
    return f"try_cast({raw} as integer)::varchar = {raw}"


def typed_expr(col: Column, raw: str) -> str:
    """The stored value of a column from its cell as sent."""
    if col.kind in ("id", "text"):
        expr = raw
    elif col.kind == "ods":
        expr = f"upper({raw})"
    elif col.kind == "code":
        expr = f"{'upper' if col.upper else 'lower'}({raw})"
    elif col.kind == "integer":
        # Almost every cell is a whole number written as DuckDB writes it back (12, -3): the
        # cast answers for those, without a regular expression. Any other cell (+5, 007,
        # 1,200, 12.0, junk) takes the forms below, exactly as before.
        expr = (
            f"case when {_canonical_integer(raw)} then try_cast({raw} as integer) "
            f"when regexp_full_match({raw}, '{PLAIN_INTEGER}') "
            f"then try_cast({raw} as integer) "
            f"when regexp_full_match({raw}, '{LOOSE_INTEGER}') then try_cast("
            f"regexp_replace(replace({raw}, ',', ''), '[.]0*$', '') as integer) end"
        )
    elif col.kind == "decimal":
        expr = (
            f"case when {_canonical_integer(raw)} then try_cast({raw} as double) "
            f"when regexp_full_match({raw}, '{PLAIN_DECIMAL}') "
            f"then try_cast({raw} as double) "
            f"when regexp_full_match({raw}, '{LOOSE_DECIMAL}') "
            f"then try_cast(replace({raw}, ',', '') as double) end"
        )
    elif col.kind == "date":
        # YYYY-MM-DD as DuckDB writes a date back is a real ISO date: cast; others as before.
        expr = (
            f"case when length({raw}) = 10 and try_cast({raw} as date)::varchar = {raw} "
            f"then try_cast({raw} as date) "
            f"else {date_sql(raw)} end"
        )
    elif col.kind == "month":
        first = f"({raw} || '-01')"
        expr = (
            f"case when length({raw}) = 7 and try_cast({first} as date)::varchar = {first} "
            f"then try_cast({first} as date) else {month_sql(raw)} end"
        )
    else:
        raise ValueError(col.kind)
    if col.default is not None:
        expr = f"coalesce({expr}, {lit(col.default)})"
    return expr


def _instrument_case(attr: str, sql_type: str) -> str:
    whens = " ".join(
        f"when {lit(code)} then {lit(str(getattr(i, attr))) if getattr(i, attr) is not None else 'null'}"
        for code, i in contract.INSTRUMENTS.items()
    )
    return f"(case upper(nullif(trim(instrument_raw), '')) {whens} end)::{sql_type}"


def _nonempty_any(columns: list[str]) -> str:
    """Whether any of `columns` (raw cells) holds a value once trimmed: a cheap coalesce
    first, as these columns (fields beyond the header, Excel's trailing ones) are NULL on
    almost every row."""
    if not columns:
        return "false"
    listed = "[" + ", ".join(columns) + "]"
    return (
        f"(coalesce({', '.join(columns)}) is not null and "
        f"coalesce(list_bool_or(list_transform({listed}, x -> {_trimmed('x')} is not null)), "
        "false))"
    )


def check_table_sql(table: Table, header: list[str], width: int | None = None) -> str:
    """`create temp table chk_<t>` from `stg_<t>` (the file read as text, in file order).

    Rows whose every cell is empty (Excel's formatted blank rows, ",,,,,") are left out, but
    keep their place in the numbering, as they are rows in the sender's spreadsheet.

    Only the contract's columns are trimmed and parsed (`t<i>` and the typed columns); the
    cells as sent stay in `stg_<t>` for the rejected rows' record (`raw_cells_sql`), so the
    check table holds one trimmed and one typed copy of each contract column, no more.
    Fields beyond the header and Excel's trailing columns are gathered into lists only on
    the rare row that has one.
    """
    named = [f"c{i}" for i in range(len(header))]
    extras = _extra_columns(header, width)
    trailing = _trailing_columns(header, width)
    used = [i for i, name in enumerate(header) if name in table.column_names]
    used = [i for i in used if header.index(header[i]) == i]
    unused = [f"c{i}" for i in range(len(header)) if i not in used]
    trimmed = [f"{_trimmed(f'c{i}')} as t{i}" for i in used]
    nonempty = f"x -> {_trimmed('x')} is not null"
    # Fields beyond the header: one list column, NULL on (almost) every row, cut after the
    # last field with a value.
    ex = "[" + ", ".join(extras) + "]"
    beyond = (
        f"case when {_nonempty_any(extras)} then list_slice({ex}, "
        f"1, len({ex}) + 1 - list_position(list_reverse(list_transform({ex}, {nonempty})), "
        "true)) end as _beyond"
    )
    typed = [
        f"{typed_expr(c, raw_expr(table, header, c.name))} as {ident(c.name)}"
        for c in table.columns
    ]
    extra = []
    if table.name == "assessments":
        inst = raw_expr(table, header, "instrument")
        extra = [
            _instrument_case(attr, sql_type).replace("instrument_raw", inst) + f" as _{attr}"
            for attr, sql_type in (
                ("item_count", "integer"),
                ("item_min", "integer"),
                ("item_max", "integer"),
                ("total_rule", "varchar"),
                ("total_min", "double"),
                ("total_max", "double"),
            )
        ]
    kept = (
        f"case when {_nonempty_any(trailing)} then [{', '.join(trailing)}]::varchar[] end "
        "as _trailing"
        if trailing
        else "null::varchar[] as _trailing"
    )
    cols = ", ".join(["_row", *(f"t{i}" for i in used), *typed, *extra, beyond, kept])
    inner = ", ".join(
        [
            # From the first rowid, not 0: rows a transaction has not committed yet (a
            # DuckLake import is one transaction) are numbered from a large offset.
            f"(rowid + 1 - (select min(rowid) from stg_{table.name}))::bigint as _row",
            *named,
            *trimmed,
            *trailing,
            *extras,
        ]
    )
    any_value = " or ".join(
        [
            *(f"t{i} is not null" for i in used),
            *(f"{_trimmed(c)} is not null" for c in unused),
            _nonempty_any([*trailing, *extras]),
        ]
    )
    return (
        f"create or replace temp table chk_{table.name} as select {cols} from "
        f"(select {inner} from stg_{table.name}) where {any_value}"
    )


def _range_phrase(col: Column) -> str:
    low = col.minimum
    high = col.maximum

    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if low is not None and high is not None:
        lower = f"more than {num(low)}" if col.min_exclusive else f"from {num(low)}"
        return (
            f"it must be {lower} to {num(high)}"
            if not col.min_exclusive
            else (f"it must be more than {num(low)} and at most {num(high)}")
        )
    if low is not None:
        return f"it must be {'more than' if col.min_exclusive else 'at least'} {num(low)}"
    return f"it must be at most {num(high)}"  # type: ignore[arg-type]


# What a spreadsheet does to an identifier it took for a number, and characters no one can see.
SCIENTIFIC_ID = "[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+"
DECIMAL_ID = "[0-9]+[.,]0+"
INVISIBLE = (
    "[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\x{00a0}\\x{1680}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}]"
)


# An identifier of this form (a letter, then at most eight letters, digits, - or _) breaks
# none of the identifier rules: it is short, not a number in scientific or decimal form (it
# starts with a letter), holds no invisible character (all ASCII letters and digits), and
# cannot hold the ten digits of an NHS number. Almost every identifier has it (P-BA9BEE,
# C000001), so one match spares them the four expressions below.
SAFE_ID = "[A-Za-z][A-Za-z0-9_-]{0,8}"


def _unsafe_id(raw: str) -> str:
    return f"not regexp_full_match({raw}, '{SAFE_ID}')"


def _identifier_checks(col: Column, raw: str) -> list[Check]:
    """Identifiers are read as text and stored exactly as sent, so what a spreadsheet made of
    them is refused rather than guessed back: 1.23E+05 (digits lost; two people could become
    one), 12345.0, and invisible characters that make a look-alike of another identifier."""
    fix = "; format the column as Text in the spreadsheet and export it again"
    return [
        Check(
            col.name,
            f"{_unsafe_id(raw)} and regexp_full_match({raw}, '{SCIENTIFIC_ID}')",
            raw,
            f"{lit(col.name + ' ')} || {raw} || "
            + lit(
                " is in scientific notation: a spreadsheet turned the identifier into a "
                "number and may have lost digits" + fix
            ),
            cell=raw,
        ),
        Check(
            col.name,
            f"{_unsafe_id(raw)} and regexp_full_match({raw}, '{DECIMAL_ID}')",
            raw,
            f"{lit(col.name + ' ')} || {raw} || "
            + lit(
                " ends in a decimal point and zeros: a spreadsheet read the identifier as a number"
                + fix
            ),
            cell=raw,
        ),
        Check(
            col.name,
            f"{_unsafe_id(raw)} and regexp_matches({raw}, '{INVISIBLE}')",
            raw,
            lit(col.name + " holds an invisible or control character (")
            + f" || 'U+' || upper(printf('%04x', unicode(regexp_extract({raw}, '{INVISIBLE}')))) || "
            + lit(
                "), which would make it look like another identifier; remove it and send the "
                "row again"
            ),
            cell=raw,
        ),
    ]


def column_checks(table: Table, header: list[str]) -> list[Check]:
    """Rules about one cell: required, identifier length, form, code list, range."""
    checks: list[Check] = [
        Check(
            None,
            "_beyond is not null",
            "null",
            f"'the row has ' || ({len(header)} + len(_beyond)) || "
            + lit(
                f" fields but the header row has {len(header)}; a value containing a comma "
                'must be in double quotes (e.g. "5,000" or "Smith, J")'
            ),
        )
    ]
    for col in table.columns:
        name = ident(col.name)
        raw = raw_expr(table, header, col.name)
        value = raw
        label = lit(col.name + " ")
        if col.required or col.name in table.key:
            checks.append(
                Check(
                    col.name, f"{raw} is null", value, lit(f"{col.name} is empty; it is required")
                )
            )
        if col.kind == "id":
            checks.append(
                Check(
                    col.name,
                    f"length({raw}) > {contract.MAX_ID_LENGTH}",
                    value,
                    f"{label} || 'is ' || length({raw}) || "
                    + lit(f" characters long; identifiers may be at most {contract.MAX_ID_LENGTH}"),
                    cell=raw,
                )
            )
        if col.kind == "id":
            checks.extend(_identifier_checks(col, raw))
        if col.name == "patient_id":
            checks.append(
                Check(
                    col.name,
                    f"{_unsafe_id(raw)} and {nhs_number_sql(raw)}",
                    value,
                    lit(
                        "patient_id is a valid NHS number (10 digits passing the Modulus 11 "
                        "check, however written); send the pseudonym instead, never an NHS number"
                    ),
                    cell=raw,
                )
            )
        elif col.kind in ("id", "text"):
            # Contract: an NHS number in any column is treated like one in patient_id. An
            # identifier is looked at whole (P-9434765919 stays a pseudonym); free text (a
            # name) anywhere, as a name never needs ten digits.
            found = (
                f"{_unsafe_id(raw)} and {nhs_number_sql(raw)}"
                if col.kind == "id"
                else nhs_in_text_sql(raw)
            )
            checks.append(
                Check(
                    col.name,
                    found,
                    value,
                    lit(
                        f"{col.name} holds an NHS number (10 digits passing the Modulus 11 check, "
                        "however written); NHS numbers are never stored: send your own "
                        "identifier or name instead"
                    ),
                    cell=raw,
                )
            )
        if col.kind == "ods":
            checks.append(
                Check(
                    col.name,
                    f"{raw} is not null and not regexp_full_match({raw}, '{contract.ODS_PATTERN}')",
                    value,
                    f"{label} || {raw} || "
                    + lit(" is not an ODS practice code (one letter and five digits, e.g. A86012)"),
                    cell=raw,
                )
            )
        if col.kind == "code":
            codes = ", ".join(lit(c) for c in col.codes)
            checks.append(
                Check(
                    col.name,
                    f"{raw} is not null and {name} not in ({codes})",
                    value,
                    f"{label} || '''' || {raw} || '''' || "
                    + lit(" is not one of the codes: " + ", ".join(col.codes)),
                )
            )
        if col.kind in ("integer", "decimal"):
            what = "a whole number" if col.kind == "integer" else "a number"
            form = LOOSE_INTEGER if col.kind == "integer" else LOOSE_DECIMAL
            checks.append(
                Check(
                    col.name,
                    f"{raw} is not null and {name} is null",
                    value,
                    f"{label} || '''' || {raw} || '''' || "
                    f"case when regexp_full_match({raw}, '{form}') "
                    f"then {lit(' is too large')} else {lit(f' is not {what}')} end",
                )
            )
        if col.kind == "date":
            d = _date_part(raw)
            checks.append(
                Check(
                    col.name,
                    f"{raw} is not null and {name} is null",
                    value,
                    f"{label} || {raw} || case when regexp_full_match({d}, '{ANY_DATE}') "
                    f"then {lit(' is not a real date; ' + DATE_FORMS)} "
                    f"when regexp_full_match({raw}, '{ANY_DATE}{TIME_OF_DAY}') "
                    f"then {lit(' has a time of day; send the date alone (' + DATE_FORMS + ')')} "
                    f"else {lit(' is not a date in the form YYYY-MM-DD or DD/MM/YYYY')} end",
                )
            )
        if col.kind == "month":
            checks.append(
                Check(
                    col.name,
                    f"{raw} is not null and {name} is null",
                    value,
                    f"{label} || {raw} || "
                    + lit(" is not a month in the form YYYY-MM (e.g. 2025-04)"),
                )
            )
        if col.minimum is not None or col.maximum is not None:
            bad = []
            if col.minimum is not None:
                bad.append(f"{name} {'<=' if col.min_exclusive else '<'} {col.minimum}")
            if col.maximum is not None:
                bad.append(f"{name} > {col.maximum}")
            checks.append(
                Check(
                    col.name,
                    f"{name} is not null and ({' or '.join(bad)})",
                    value,
                    f"{label} || 'is ' || {raw} || " + lit("; " + _range_phrase(col)),
                )
            )
    return checks


def _before(table: Table, header: list[str], later: str, earlier: str, what: str) -> Check:
    return Check(
        later,
        f"{ident(later)} < {ident(earlier)}",
        raw_expr(table, header, later),
        f"{lit(later + ' ')} || {raw_expr(table, header, later)} || "
        f"{lit(' is before ' + what + ' ')} || {raw_expr(table, header, earlier)}",
    )


def cross_field_checks(table: Table, header: list[str]) -> list[Check]:
    """Rules linking columns of the same row."""
    raw = lambda c: raw_expr(table, header, c)  # noqa: E731
    checks: list[Check] = []
    if table.name == "link_workers":
        checks.append(_before(table, header, "end_date", "start_date", "start_date"))
    if table.name == "patients":
        checks.append(
            Check(
                "birth_year",
                "birth_year > year($today)",
                raw("birth_year"),
                f"'birth_year ' || {raw('birth_year')} || ' is after this year'",
            )
        )
    if table.name == "referrals":
        for later in ("triage_date", "first_contact_date", "discharge_date"):
            checks.append(_before(table, header, later, "referral_date", "referral_date"))
        checks.append(
            _before(table, header, "action_plan_date", "first_contact_date", "first_contact_date")
        )
        checks.append(
            Check(
                "discharge_reason",
                "discharge_date is not null and discharge_reason is null",
                raw("discharge_reason"),
                lit("discharge_reason is empty; it is required when discharge_date is given"),
            )
        )
        # Contract silent; the row contradicts itself (docs/data-contract.md, "Decisions").
        # An empty discharge_date means still open, so a reason beside it cannot be shown.
        checks.append(
            Check(
                "discharge_date",
                f"{raw('discharge_reason')} is not null and {raw('discharge_date')} is null",
                raw("discharge_date"),
                f"'discharge_date is empty but discharge_reason is ' || {raw('discharge_reason')}"
                " || '; give the discharge date, or leave the reason empty while the referral "
                "is open'",
            )
        )
        # An empty triage_outcome means awaiting triage, which a triage date contradicts.
        checks.append(
            Check(
                "triage_outcome",
                f"{raw('triage_outcome')} is null and {raw('triage_date')} is not null",
                raw("triage_outcome"),
                f"'triage_outcome is empty (awaiting triage) but triage_date ' || "
                f"{raw('triage_date')} || ' is given; give the outcome, or leave the date empty "
                "until triage'",
            )
        )
    for col in table.columns:
        if col.kind != "date":
            continue
        # A year typed short (0025 for 2025) reads as a real date: nothing here is that old.
        checks.append(
            Check(
                col.name,
                f"{ident(col.name)} < date '{contract.MIN_BIRTH_YEAR}-01-01'",
                raw(col.name),
                f"{lit(col.name + ' ')} || {raw(col.name)} || "
                + lit(f" is before {contract.MIN_BIRTH_YEAR}; check the year"),
            )
        )
        # Dates of things that have happened cannot be in the future (contract: referral_date;
        # the others by the same reading). Not a worker's start or end (planned), nor a contact
        # (a booked appointment may be exported before it takes place).
        if col.name in PAST_EVENT_DATES:
            checks.append(
                Check(
                    col.name,
                    f"{ident(col.name)} > $today",
                    raw(col.name),
                    f"{lit(col.name + ' ')} || {raw(col.name)} || ' is in the future'",
                )
            )
    if "month" in table.column_names:
        # Counts for a month that has not begun cannot have been observed (this month, still
        # under way, is allowed).
        checks.append(
            Check(
                "month",
                "month > date_trunc('month', $today::date)",
                raw("month"),
                f"'month ' || {raw('month')} || ' is in the future'",
            )
        )
    if table.name == "goals":
        checks.append(
            Check(
                "closed_date",
                "status is not null and status <> 'open' and closed_date is null "
                f"and {raw('closed_date')} is null",
                raw("closed_date"),
                "'closed_date is empty; it is required when status is ' || status || "
                "' (only open goals may have no closed_date)'",
            )
        )
    if table.name == "goals" and "barrier" in header:
        checks.append(_barrier_check(table, header))
    if table.name == "stories":
        checks.extend(_story_checks(table, header))
    if table.name == "assessments":
        checks.extend(_assessment_checks(table, header))
    return checks


# ---------------------------------------------------------------- version 2 rules

# What a story must not contain (RE2 syntax, searched anywhere in the text). An NHS number is
# looked for as 10 digits, optionally grouped 3 3 4 by spaces or dashes, passing Modulus 11.
NHS_NUMBER_IN_TEXT = r"\b[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}\b"
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# A UK phone number: 0 (or +44, with an optional (0)) then 9 or 10 more digits, the first
# not 0, spaces, dashes and brackets allowed between them (0191 123 4567, 07700 900123,
# +44 (0)20 7946 0958).
PHONE_IN_TEXT = r"(\+44[ -]*(\(0\)[ -]*)?|\(?\b0)[1-9]([ -]*\)?[ -]*[0-9]){8,9}\b"
# A UK postcode, full: outward code (NE4, SW1A, M1) and inward code (6BE), any case.
POSTCODE_IN_TEXT = r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]?[ ]*[0-9][A-Z]{2}\b"
STORY_TEXT_COLUMNS = ("title", "text")


def story_redacted_sql(raw: str) -> str:
    """A story's cell with what may identify someone replaced, for the rejected-rows log
    (10-digit numbers whether or not they pass Modulus 11, e-mail addresses, phone numbers,
    postcodes), so a refused story does not keep them."""
    out = raw
    for pattern, words in (
        (NHS_NUMBER_IN_TEXT, "(number removed)"),
        (EMAIL_IN_TEXT, "(e-mail address removed)"),
        (PHONE_IN_TEXT, "(phone number removed)"),
        (POSTCODE_IN_TEXT, "(postcode removed)"),
    ):
        out = f"regexp_replace({out}, '{pattern}', {lit(words)}, 'g')"
    return out


def _barrier_check(table: Table, header: list[str]) -> Check:
    statuses = ", ".join(lit(s) for s in contract.UNMET_STATUSES)
    raw = raw_expr(table, header, "barrier")
    return Check(
        "barrier",
        f"barrier is not null and (status is null or status not in ({statuses}))",
        raw,
        f"'barrier ' || {raw} || ' is given but status is ' || coalesce(status, 'empty') || "
        + lit(
            "; a barrier says why a goal was not met, so it is given only when status is "
            + ", ".join(contract.UNMET_STATUSES[:-1])
            + " or "
            + contract.UNMET_STATUSES[-1]
        ),
    )


def _story_checks(table: Table, header: list[str]) -> list[Check]:
    """Stories: lengths, and nothing that identifies anyone. The value kept with the rule is
    never the text itself (it may hold what the rule refuses)."""
    checks: list[Check] = []
    for name, limit in (("title", contract.MAX_STORY_TITLE), ("text", contract.MAX_STORY_TEXT)):
        raw = raw_expr(table, header, name)
        checks.append(
            Check(
                name,
                f"length({raw}) > {limit}",
                f"length({raw})::varchar || ' characters'",
                f"{lit(name + ' is ')} || length({raw}) || "
                + lit(f" characters long; it may be at most {limit:,}"),
            )
        )
    # An NHS number in a story is refused by the rule for every text column (rules above).
    for name in STORY_TEXT_COLUMNS:
        raw = raw_expr(table, header, name)
        for condition, what in (
            (f"regexp_matches({raw}, '{EMAIL_IN_TEXT}')", "an e-mail address"),
            (f"regexp_matches({raw}, '{PHONE_IN_TEXT}')", "a phone number"),
            (f"regexp_matches({raw}, '{POSTCODE_IN_TEXT}')", "a postcode"),
        ):
            checks.append(
                Check(
                    name,
                    f"{raw} is not null and {condition}",
                    "null",
                    lit(
                        f"{name} contains {what}; a story must not identify anyone: take it "
                        "out and send the story again"
                    ),
                )
            )
    return checks


def _assessment_checks(table: Table, header: list[str]) -> list[Check]:
    raw = lambda c: raw_expr(table, header, c)  # noqa: E731
    checks: list[Check] = []
    for k, item in enumerate(contract.ITEM_COLUMNS, start=1):
        checks.append(
            Check(
                item,
                f"_item_count < {k} and {raw(item)} is not null",
                raw(item),
                f"'{item} must be empty: ' || instrument || ' has ' || _item_count || ' items'",
            )
        )
        checks.append(
            Check(
                item,
                f"_item_count >= {k} and {item} is not null "
                f"and ({item} < _item_min or {item} > _item_max)",
                raw(item),
                f"'{item} is ' || {raw(item)} || '; ' || instrument || ' items run from ' || "
                "_item_min || ' to ' || _item_max",
            )
        )
    items = "[" + ", ".join(contract.ITEM_COLUMNS) + "]"
    given = f"list_slice({items}, 1, _item_count)"
    checks += [
        Check(
            "total",
            f"_total_rule = 'none' and {raw('total')} is not null",
            raw("total"),
            "'total must be empty for ' || instrument || ': its questions are separate scores'",
        ),
        # A sum of whole-number answers is whole: a fractional SWEMWBS total is the metric
        # score sent where the raw sum belongs (the dashboard converts the raw sum itself).
        Check(
            "total",
            "_total_rule = 'sum' and total is not null and total <> round(total)",
            raw("total"),
            f"'total ' || {raw('total')} || ' is not a whole number; ' || instrument || "
            "' totals are the sum of the answers' || case when instrument = 'SWEMWBS' "
            "then ' (the raw sum 7-35, not the converted metric score)' else '' end",
        ),
        Check(
            "total",
            "total is not null and (total < _total_min or total > _total_max)",
            raw("total"),
            f"'total is ' || {raw('total')} || '; ' || instrument || ' totals run from ' || "
            "_total_min::integer || ' to ' || _total_max::integer",
        ),
        Check(
            "total",
            f"_total_rule = 'sum' and total is not null and list_count({given}) = _item_count "
            f"and abs(total - list_sum({given})) > 1e-6",
            raw("total"),
            f"'total ' || {raw('total')} || ' does not equal the sum of the items (' || "
            f"list_sum({given}) || ')'",
        ),
        # PSFS: the mean of the activities given; a total rounded to one decimal is accepted.
        Check(
            "total",
            f"_total_rule = 'mean' and total is not null and list_count({given}) > 0 "
            f"and abs(total - list_avg({given})) > 0.05 + 1e-9",
            raw("total"),
            f"'total ' || {raw('total')} || ' does not equal the mean of the activities given (' "
            f"|| round(list_avg({given}), 2) || ')'",
        ),
    ]
    return checks


def _struct(c: Check, seq: int) -> str:
    return (
        f"case when coalesce({c.condition}, false) then "
        f"{{'column_name': {lit(c.column) if c.column else 'null::varchar'}, "
        f"'value': ({c.value})::varchar, "
        f"'rule': ({c.rule})::varchar, '_seq': {seq}}} end"
    )


def _any_condition(checks: list[Check]) -> str:
    return " or ".join(f"coalesce({c.condition}, false)" for c in checks)


def _per_value(table: Table, c: Check) -> bool:
    """Check once per distinct value: a rule about one cell, in a column whose values repeat
    (anything but a table's own one-column key, which is unique in a good file)."""
    if c.cell is None or not c.cell.startswith("t"):
        return False
    return len(table.key) > 1 or c.column not in table.key


def violations_sql(table: Table, header: list[str]) -> list[str]:
    """Insert into viol_<t> every (row, column, value, rule) broken within the file alone.

    Set-wise: the rows breaking no rule (almost all) are passed over by one filter, and the
    rule records built only for the others; rules about one cell of a repeating column (an
    identifier's form, an NHS number) are checked once per distinct value and joined back to
    its rows. `_seq` keeps the rules of one row in the order they are listed here.
    """
    checks = list(enumerate(column_checks(table, header) + cross_field_checks(table, header)))
    cols = "_row, column_name, value, rule, _seq"
    per_row = [(k, c) for k, c in checks if not _per_value(table, c)]
    out = []
    if per_row:
        structs = ",\n  ".join(_struct(c, k) for k, c in per_row)
        out.append(
            f"insert into viol_{table.name} ({cols}) select _row, v.column_name, v.value, "
            f"v.rule, v._seq from ( select _row, unnest(list_filter([\n  {structs}\n ], "
            f"lambda x: x is not null)) as v from chk_{table.name} "
            f"where {_any_condition([c for _, c in per_row])})"
        )
    cells: dict[str, list[tuple[int, Check]]] = {}
    for k, c in checks:
        if _per_value(table, c):
            cells.setdefault(c.cell or "", []).append((k, c))
    for cell, group in cells.items():
        structs = ",\n  ".join(_struct(c, k) for k, c in group)
        bad = (
            f"select {cell} as _cell, v.column_name, v.value, v.rule, v._seq from ("
            f"select {cell}, unnest(list_filter([\n  {structs}\n ], lambda x: x is not null)) "
            f"as v from (select distinct {cell} from chk_{table.name} where {cell} is not null) "
            f"where {_any_condition([c for _, c in group])})"
        )
        out.append(
            f"insert into viol_{table.name} ({cols}) select c._row, b.column_name, b.value, "
            f"b.rule, b._seq from chk_{table.name} c join ({bad}) b on c.{cell} = b._cell"
        )
    return out


# The rules needing more than the row (duplicates, references, other tables) come after the
# row's own rules in its record (see `_seq`).
VIOL_COLUMNS = "(_row, column_name, value, rule)"


def violation_table_sql(table: Table) -> str:
    return (
        f"create or replace temp table viol_{table.name} (_row bigint, column_name varchar, "
        "value varchar, rule varchar, _seq integer default 1000000)"
    )


def misaligned_rows_sql(table: Table) -> str:
    """A row with more fields than the header is reported for that alone: its other cells
    sit under the wrong columns, so what they break says nothing useful."""
    return (
        f"delete from viol_{table.name} where column_name is not null and _row in "
        f"(select _row from viol_{table.name} where column_name is null)"
    )


def duplicate_sql(table: Table, header: list[str]) -> str:
    """Rows whose key comes again later in the same file: only the last one is loaded."""
    key = ", ".join(ident(k) for k in table.key)
    not_null = " and ".join(f"{ident(k)} is not null" for k in table.key)
    first = table.key[0]
    return (
        f"insert into viol_{table.name} {VIOL_COLUMNS} "
        f"select _row, {lit(first)}, {raw_expr(table, header, first)}, "
        f"{lit('the same ' + ' and '.join(table.key) + ' appears again later in this file (row ')}"
        " || _last || '); only the last row with it is loaded' from (select *, "
        f"max(_row) over (partition by {key}) as _last from chk_{table.name} where {not_null})"
        " where _row < _last"
    )


def reference_sql(table: Table, header: list[str], col: Column) -> str:
    """Rows whose `col` is not a key of its parent table (already loaded, this batch included).

    The parent's rows from this batch are loaded before the child is checked, so the parent
    table holds both. When the parent row was sent but rejected, the rule says so.
    """
    parent = contract.table(col.references or "")
    pkey = parent.key[0]
    name = ident(col.name)
    raw = raw_expr(table, header, col.name)
    singular = {
        "practices": "practice",
        "patients": "patient",
        "referrals": "referral",
        "link_workers": "link worker",
    }[parent.name]
    return (
        f"insert into viol_{table.name} {VIOL_COLUMNS} "
        f"select c._row, {lit(col.name)}, {raw}, "
        f"case when j.{ident(pkey)} is not null then "
        f"{lit(f'its {singular} ')} || {raw} || "
        f"{lit(f' was rejected in this batch (see the rejected rows of {parent.name}); fix that row and send both again')} "
        f"else {lit(col.name + ' ')} || {raw} || "
        f"{lit(f' is not in {parent.file_name} of this batch nor already loaded')} end "
        f"from chk_{table.name} c "
        f"left join {parent.name} p on p.{ident(pkey)} = c.{name} "
        f"left join rej_{parent.name} j on j.{ident(pkey)} = c.{name} "
        f"where c.{name} is not null and p.{ident(pkey)} is null"
    )


def cross_table_sql(table: Table, header: list[str]) -> list[str]:
    """Rules that need another table's row: adults at referral, contacts after referral, and
    the comparison cohort never referred."""
    raw = lambda c: raw_expr(table, header, c)  # noqa: E731
    out: list[str] = []
    if table.name == "referrals":
        # Age from birth year only: year(referral_date) - birth_year, as the age_at macro does.
        # Someone born in 2007 and referred in 2025 counts as 18 (they may still be 17 until
        # their birthday): the contract carries no birth date, so we give the benefit of doubt.
        out.append(
            f"insert into viol_referrals {VIOL_COLUMNS} "
            f"select c._row, 'referral_date', {raw('referral_date')}, "
            "'the patient (born ' || p.birth_year || ') would be ' || "
            "(year(c.referral_date) - p.birth_year) || ' at referral on ' || "
            f"{raw('referral_date')} || '; only adults (18 or over) are eligible' "
            "from chk_referrals c join patients p on p.patient_id = c.patient_id "
            f"where year(c.referral_date) - p.birth_year < {contract.ADULT_AGE}"
        )
    if table.name == "referrals":
        # Contract: cohort comparison = not referred. A referral contradicts it; the fix is
        # the patient's cohort (docs/data-contract.md, "Decisions").
        out.append(
            f"insert into viol_referrals {VIOL_COLUMNS} "
            f"select c._row, 'patient_id', {raw('patient_id')}, "
            f"'patient ' || {raw('patient_id')} || ' is in the comparison cohort (people not "
            "referred, for healthcare-use comparison only); send the patient again with cohort "
            "referred, or leave this referral out' "
            "from chk_referrals c join patients p on p.patient_id = c.patient_id "
            "where p.cohort = 'comparison'"
        )
    if table.name == "patients":
        out.append(
            f"insert into viol_patients {VIOL_COLUMNS} "
            f"select c._row, 'cohort', {raw('cohort')}, "
            f"'patient ' || {raw('patient_id')} || ' already has referrals loaded, so cannot be "
            "in the comparison cohort (people not referred); keep cohort referred' "
            "from chk_patients c where c.cohort = 'comparison' and exists "
            "(select 1 from referrals r where r.patient_id = c.patient_id)"
        )
    if table.name == "contacts":
        out.append(
            f"insert into viol_contacts {VIOL_COLUMNS} "
            f"select c._row, 'contact_date', {raw('contact_date')}, "
            f"'contact_date ' || {raw('contact_date')} || ' is before the referral_date of its "
            "referral (' || strftime(r.referral_date, '%Y-%m-%d') || ')' "
            "from chk_contacts c join referrals r on r.referral_id = c.referral_id "
            "where c.contact_date < r.referral_date"
        )
    return out


def raw_row_sql(table: Table, header: list[str], width: int | None = None) -> tuple[str, dict]:
    """Insert this batch's rejected rows: one row per rule, with the row as sent (JSON).

    Any cell that is or holds an NHS number, however written, is masked, so one does not
    enter through the back door (the contract forbids them in patient_id; in any other column
    one is a mistake too): in the row as sent, in the value, and wherever a rule repeats it (a
    child naming its parent, a duplicate key). The cells are one list and the masking one
    lambda over it, so the statement is the same size for 5 columns or 1,000.
    """
    mask = lit(NHS_NUMBER_MASK)
    value = f"case when {nhs_in_text_sql('v.value')} then {mask} else v.value end"
    keys: list[str] = []
    for i, name in enumerate(header):
        # Every field under its own key: a nameless column by its position, a name sent twice
        # (an ignored column) numbered, so no value of the row is lost from the JSON.
        base = key = name or f"column_{i + 1}"
        n = 2
        while key in keys:
            key, n = f"{base} ({n})", n + 1
        keys.append(key)
    cells = "[" + ", ".join(f"s.c{i}" for i in range(len(header))) + "]"
    # The row as kept: a refused story keeps nothing identifying in its title and text.
    kept_cells = (
        "["
        + ", ".join(
            story_redacted_sql(f"s.c{i}")
            if table.name == "stories" and name in STORY_TEXT_COLUMNS
            else f"s.c{i}"
            for i, name in enumerate(header)
        )
        + "]"
    )
    masked = f"x -> case when {nhs_in_text_sql('x')} then {mask} else x end"
    # Cells holding an NHS number, as the rules quote them (trimmed): replaced in the rule.
    with_nhs = (
        f"list_filter(list_transform({cells}, x -> {_trimmed('x')}), x -> {nhs_in_text_sql('x')})"
    )
    rule = f"list_reduce({with_nhs}, (acc, x) -> replace(acc, x, {mask}), v.rule)"
    row_map = f"map($keys, list_transform({kept_cells}, {masked}))"
    trailing_keys = [f"column_{i + 1}" for i in range(len(header), max(width or 0, len(header)))]
    if trailing_keys:
        # The nameless trailing columns holding a value, under their position.
        pairs = (
            "list_filter(list_zip($trailing_keys, list_transform(c._trailing, "
            f"{masked})), p -> {_trimmed('p[2]')} is not null)"
        )
        row_map = (
            f"case when c._trailing is null then {row_map} else map_concat({row_map}, "
            f"map(list_transform({pairs}, p -> p[1]), list_transform({pairs}, p -> p[2]))) end"
        )
    beyond = f"list_transform(c._beyond, {masked})"
    row_json = (
        f"case when c._beyond is not null then rtrim(to_json({row_map})::varchar, '}}') || "
        f"',' || to_json({lit(BEYOND_HEADER)}::varchar) || ':' || to_json({beyond}) || '}}' "
        f"else to_json({row_map})::varchar end"
    )
    sql = (
        "insert into rejected_rows (batch_id, table_name, row_number, column_name, value, rule, "
        f"raw_row) select $batch_id, {lit(table.name)}, v._row, v.column_name, {value}, {rule}, "
        f"{row_json}::varchar "
        f"from viol_{table.name} v join chk_{table.name} c on c._row = v._row "
        f"join raw_{table.name} s on s._row = v._row "
        "order by v._row, v._seq"
    )
    params: dict = {"keys": keys}
    if trailing_keys:
        params["trailing_keys"] = trailing_keys
    return sql, params


def raw_cells_sql(table: Table, header: list[str]) -> str:
    """`raw_<t>`: the cells as sent of the rows breaking a rule, kept from `stg_<t>` for the
    rejected rows' record (so the staged file can go before the rows are loaded)."""
    cells = ", ".join(f"c{i}" for i in range(len(header)))
    return (
        f"create or replace temp table raw_{table.name} as select _row, {cells} from "
        f"(select (rowid + 1 - (select min(rowid) from stg_{table.name}))::bigint as _row, "
        f"{cells} from stg_{table.name}) "
        f"where _row in (select _row from viol_{table.name})"
    )


def accepted_view_sql(table: Table) -> str:
    cols = ", ".join(ident(c) for c in table.column_names)
    return (
        f"create or replace temp view ok_{table.name} as select {cols} "
        f"from chk_{table.name} c where not exists "
        f"(select 1 from viol_{table.name} v where v._row = c._row)"
    )


def changed_count_sql(table: Table) -> str:
    """Accepted rows that are new or differ from the row already loaded under their key."""
    on = " and ".join(f"t.{ident(k)} = o.{ident(k)}" for k in table.key)
    same = " and ".join(
        f"o.{ident(c)} is not distinct from t.{ident(c)}" for c in table.column_names
    )
    return (
        f"select count(*) from ok_{table.name} o left join {table.name} t on {on} "
        f"where t.{ident(table.key[0])} is null or not ({same})"
    )


def upsert_sql(table: Table, empty: bool) -> str:
    cols = ", ".join(ident(c) for c in table.column_names)
    verb = "insert into" if empty else "insert or replace into"
    return f"{verb} {table.name} ({cols}) select {cols} from ok_{table.name}"


def rejected_keys_sql(table: Table) -> str:
    cols = ", ".join(ident(k) for k in table.key)
    return (
        f"create or replace temp table rej_{table.name} as select distinct {cols} "
        f"from chk_{table.name} c where exists "
        f"(select 1 from viol_{table.name} v where v._row = c._row)"
    )
