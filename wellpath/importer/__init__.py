"""The data contract's importer: validate a batch of files and load it safely.

`import_batch(source, db_path)` loads a folder of CSVs, a .zip of them or an .xlsx workbook;
`import_uploads(files, db_path)` does the same for files uploaded on the Import data page.
File-level problems raise `BatchRefused` and change nothing; rows breaking a rule are kept in
`rejected_rows` with the rule, and the rest load. See docs/data-contract.md.
"""

from wellpath.importer.load import ImportResult, import_batch, import_uploads
from wellpath.importer.sources import BatchRefused

__all__ = ["BatchRefused", "ImportResult", "import_batch", "import_uploads"]
